/**
 * AgentX PDU model (RFC 2741 section 6). Pure data: the codec turns these into bytes and back.
 */

/** PDU types, RFC 2741 section 6.1 (h.type). */
export const PduType = {
  Open: 1,
  Close: 2,
  Register: 3,
  Unregister: 4,
  Get: 5,
  GetNext: 6,
  GetBulk: 7,
  TestSet: 8,
  CommitSet: 9,
  UndoSet: 10,
  CleanupSet: 11,
  Notify: 12,
  Ping: 13,
  IndexAllocate: 14,
  IndexDeallocate: 15,
  AddAgentCaps: 16,
  RemoveAgentCaps: 17,
  Response: 18,
} as const;
export type PduType = (typeof PduType)[keyof typeof PduType];

/** Header flags, RFC 2741 section 6.1 (h.flags). */
export const HeaderFlag = {
  InstanceRegistration: 0x01,
  NewIndex: 0x02,
  AnyIndex: 0x04,
  NonDefaultContext: 0x08,
  NetworkByteOrder: 0x10,
} as const;

/** VarBind types, RFC 2741 section 5.4 (v.type). */
export const ValueType = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  ObjectIdentifier: 6,
  IpAddress: 64,
  Counter32: 65,
  Gauge32: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/** res.error values, RFC 2741 section 6.2.16 plus the SNMP errors allowed in Set phases. */
export const ResponseError = {
  noAgentXError: 0,
  genErr: 5,
  noAccess: 6,
  wrongType: 7,
  wrongLength: 8,
  wrongEncoding: 9,
  wrongValue: 10,
  noCreation: 11,
  inconsistentValue: 12,
  resourceUnavailable: 13,
  commitFailed: 14,
  undoFailed: 15,
  notWritable: 17,
  inconsistentName: 18,
  openFailed: 256,
  notOpen: 257,
  indexWrongType: 258,
  indexAlreadyAllocated: 259,
  indexNoneAvailable: 260,
  indexNotAllocated: 261,
  unsupportedContext: 262,
  duplicateRegistration: 263,
  unknownRegistration: 264,
  unknownAgentCaps: 265,
  parseError: 266,
  requestDenied: 267,
  processingError: 268,
} as const;
export type ResponseError = (typeof ResponseError)[keyof typeof ResponseError];

/** Close reasons, RFC 2741 section 6.2.2. */
export const CloseReason = {
  other: 1,
  parseError: 2,
  protocolError: 3,
  timeouts: 4,
  shutdown: 5,
  byManager: 6,
} as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** An object identifier as its sub-identifiers (each 0..2^32-1). */
export type Oid = readonly number[];

/** SearchRange, RFC 2741 section 5.2: start (with its include bit) and an exclusive end ([] = unbounded). */
export interface SearchRange {
  readonly start: Oid;
  readonly include: boolean;
  readonly end: Oid;
}

/** A VarBind value, discriminated by its RFC 2741 type. */
export type Value =
  | { readonly type: typeof ValueType.Integer; readonly value: number }
  | { readonly type: typeof ValueType.OctetString; readonly value: Uint8Array }
  | { readonly type: typeof ValueType.Opaque; readonly value: Uint8Array }
  | { readonly type: typeof ValueType.Null }
  | { readonly type: typeof ValueType.ObjectIdentifier; readonly value: Oid }
  /** Four octets, network order, as on the wire. */
  | { readonly type: typeof ValueType.IpAddress; readonly value: Uint8Array }
  | { readonly type: typeof ValueType.Counter32; readonly value: number }
  | { readonly type: typeof ValueType.Gauge32; readonly value: number }
  | { readonly type: typeof ValueType.TimeTicks; readonly value: number }
  | { readonly type: typeof ValueType.Counter64; readonly value: bigint }
  | { readonly type: typeof ValueType.NoSuchObject }
  | { readonly type: typeof ValueType.NoSuchInstance }
  | { readonly type: typeof ValueType.EndOfMibView };

export interface VarBind {
  readonly name: Oid;
  readonly value: Value;
}

/** Fields every PDU header carries (RFC 2741 section 6.1), byte order aside. */
export interface Header {
  readonly sessionId: number;
  readonly transactionId: number;
  readonly packetId: number;
  /** Non-default context (octet string) when NON_DEFAULT_CONTEXT is set; undefined otherwise. */
  readonly context?: Uint8Array | undefined;
  /** INSTANCE_REGISTRATION / NEW_INDEX / ANY_INDEX flags as received or to send (never the byte order bit). */
  readonly flags?: number | undefined;
}

export interface OpenPdu extends Header {
  readonly type: typeof PduType.Open;
  /** Default timeout in seconds, one byte (0 = master's default). */
  readonly timeout: number;
  readonly id: Oid;
  readonly description: string;
}
export interface ClosePdu extends Header {
  readonly type: typeof PduType.Close;
  readonly reason: CloseReason;
}
export interface RegisterPdu extends Header {
  readonly type: typeof PduType.Register;
  readonly timeout: number;
  /** 1..255, default 127. */
  readonly priority: number;
  readonly rangeSubid: number;
  readonly subtree: Oid;
  /** Present iff rangeSubid != 0. */
  readonly upperBound?: number | undefined;
}
export interface UnregisterPdu extends Header {
  readonly type: typeof PduType.Unregister;
  readonly priority: number;
  readonly rangeSubid: number;
  readonly subtree: Oid;
  readonly upperBound?: number | undefined;
}
export interface GetPdu extends Header {
  readonly type: typeof PduType.Get;
  readonly ranges: readonly SearchRange[];
}
export interface GetNextPdu extends Header {
  readonly type: typeof PduType.GetNext;
  readonly ranges: readonly SearchRange[];
}
export interface GetBulkPdu extends Header {
  readonly type: typeof PduType.GetBulk;
  readonly nonRepeaters: number;
  readonly maxRepetitions: number;
  readonly ranges: readonly SearchRange[];
}
export interface TestSetPdu extends Header {
  readonly type: typeof PduType.TestSet;
  readonly varbinds: readonly VarBind[];
}
export interface SetPhasePdu extends Header {
  readonly type: typeof PduType.CommitSet | typeof PduType.UndoSet | typeof PduType.CleanupSet;
}
export interface NotifyPdu extends Header {
  readonly type: typeof PduType.Notify;
  readonly varbinds: readonly VarBind[];
}
export interface PingPdu extends Header {
  readonly type: typeof PduType.Ping;
}
export interface ResponsePdu extends Header {
  readonly type: typeof PduType.Response;
  /** res.sysUpTime, hundredths of a second. */
  readonly sysUpTime: number;
  readonly error: number;
  /** 1-based index of the failing varbind, 0 when none. */
  readonly index: number;
  readonly varbinds: readonly VarBind[];
}

/** Every PDU a read-only subagent sends or receives. Other types decode to an error. */
export type Pdu =
  | OpenPdu
  | ClosePdu
  | RegisterPdu
  | UnregisterPdu
  | GetPdu
  | GetNextPdu
  | GetBulkPdu
  | TestSetPdu
  | SetPhasePdu
  | NotifyPdu
  | PingPdu
  | ResponsePdu;
