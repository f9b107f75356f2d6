/**
 * The Zabbix frontend's JSON-RPC API (https://www.zabbix.com/documentation/6.0/en/manual/api): one method call per
 * HTTP POST to api_jsonrpc.php, the session token from user.login in `auth`. Errors come back as a thrown Error
 * with Zabbix's message and data.
 */
export class ZabbixApi {
  private token: string | undefined;
  private id = 0;

  constructor(readonly url: string) {}

  async login(username: string, password: string): Promise<void> {
    this.token = await this.call<string>('user.login', { username, password });
  }

  async call<T>(method: string, params: unknown): Promise<T> {
    const body: Record<string, unknown> = { jsonrpc: '2.0', method, params, id: ++this.id };
    if (this.token !== undefined && method !== 'user.login' && method !== 'apiinfo.version') body.auth = this.token;
    const res = await fetch(this.url, { method: 'POST', headers: { 'Content-Type': 'application/json-rpc' }, body: JSON.stringify(body) });
    const text = await res.text();
    let reply: { result?: T; error?: { code: number; message: string; data: string } };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      throw new Error(`zabbix api ${method}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
    }
    if (reply.error) throw new Error(`zabbix api ${method}: ${reply.error.message} ${reply.error.data}`);
    return reply.result as T;
  }
}
