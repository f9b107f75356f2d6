<?php
/*
 * Creates lvs-agentx's Cacti objects inside a running Cacti 1.2 (its database, through Cacti's own database
 * layer), then exports them with Cacti's own template export. The exported XML is what packaging/cacti/templates/
 * ships; users import it with Cacti's cli/import_template.php (see packaging/cacti/README.md).
 *
 *   php packaging/cacti/build/build-templates.php [--cacti=/usr/share/cacti/site] [--export-dir=DIR]
 *   php packaging/cacti/build/build-templates.php --export-only --export-dir=DIR
 *
 * --export-only builds nothing: it exports the two data queries that are already in Cacti (found by their
 * hashes), as test/cacti does after importing the shipped XML to check that Cacti exports it unchanged.
 *
 * Run as root (or the Cacti user) on a machine with Cacti installed and the two data query files copied to
 * <cacti>/resource/snmp_queries/. Idempotent: every object carries a fixed hash (md5 of "lvs-agentx:" and a
 * key below), so a second run updates the same objects and exports the same bytes. What it writes mirrors the
 * rows that Cacti's web forms write for data templates, graph templates and data queries; Cacti has no CLI verb
 * for creating those.
 *
 * Counters are DERIVE with a minimum of 0, not COUNTER: an IPVS counter only goes backwards when the kernel
 * resets it (service deleted and re-created, ipvsadm -Z), and RRDtool's COUNTER would read that as a 32-bit
 * wrap and draw a spike of up to 4 GB; DERIVE with min 0 draws a gap for that one step instead. Counter64
 * values never wrap in practice.
 */

$options = getopt('', array('cacti:', 'export-dir:', 'export-only'));
$export_only = isset($options['export-only']);
$cacti_site = isset($options['cacti']) ? rtrim($options['cacti'], '/') : '/usr/share/cacti/site';
$export_dir = isset($options['export-dir']) ? rtrim($options['export-dir'], '/') : '';

$no_http_headers = true;
require($cacti_site . '/include/cli_check.php');
require_once($config['library_path'] . '/export.php');
require_once($config['library_path'] . '/data_query.php');

function fail($message) {
	fwrite(STDERR, "build-templates: error: $message\n");
	exit(1);
}

function lvs_hash($key) {
	return md5('lvs-agentx:' . $key);
}

/* The id of the row of $table with this hash, or 0. */
function id_by_hash($table, $hash) {
	return (int) db_fetch_cell_prepared("SELECT id FROM `$table` WHERE hash = ?", array($hash));
}

/* Inserts or updates the row of $table identified by its hash; returns its id. */
function save_by_hash($table, $hash, $row) {
	$row = array_merge(array('id' => id_by_hash($table, $hash), 'hash' => $hash), $row);
	$id = sql_save($row, $table);
	if (!$id) {
		fail("could not save $table row " . $hash);
	}
	return (int) $id;
}

/* A stock Cacti object that the templates use, found by the hash Cacti ships it with. */
function stock_id($table, $hash, $what) {
	$id = id_by_hash($table, $hash);
	if (!$id) {
		fail("Cacti's stock $what (hash $hash) is missing from table $table");
	}
	return $id;
}

function color_id($hex) {
	$id = (int) db_fetch_cell_prepared('SELECT id FROM colors WHERE hex = ?', array($hex));
	if (!$id) {
		$id = (int) sql_save(array('id' => 0, 'name' => '', 'hex' => $hex, 'read_only' => ''), 'colors');
	}
	return $id;
}

$snmp_indexed   = stock_id('data_input', 'bf566c869ac6443b0c75d1c32b5a350e', 'data input method "Get SNMP Data (Indexed)"');
$gprint_normal  = stock_id('graph_templates_gprint', 'e9c43831e54eca8069317a2ce8c6f751', 'GPRINT preset "Normal"');
$cdef_bits      = stock_id('cdef', '73f95f8b77b5508157d64047342c421e', 'CDEF "Turn Bytes into Bits"');
$profile        = db_fetch_row("SELECT id, step, heartbeat FROM data_source_profiles WHERE `default` = 'on' ORDER BY id LIMIT 1");
if (!cacti_sizeof($profile)) {
	fail('Cacti has no default data source profile');
}

define('DS_GAUGE', 1);
define('DS_DERIVE', 3);
define('CF_AVERAGE', 1);
define('CF_MAX', 3);
define('CF_LAST', 4);

/*
 * One entry per data query. Each graph has its own data template (one RRD file per graph and row); each data
 * source names the data query output field (from the query XML) that feeds it.
 */
$queries = array(
	'services' => array(
		'name'  => 'LVS - Virtual Services',
		'file'  => 'lvs_services.xml',
		'desc'  => 'IPVS virtual services (LVS-MIB lvsServiceTable from lvs-agentx), indexed by service name',
		'what'  => 'Service',
		'title' => '|host_description| - LVS |query_serviceName|',
		'graphs' => array(
			'traffic' => array('graph' => 'Traffic (bits/sec)', 'label' => 'bits per second', 'base' => 1000,
				'ds' => array(
					array('in_bytes', 'serviceInBytes', DS_DERIVE, 'Inbound', '00CF00', 'area', true),
					array('out_bytes', 'serviceOutBytes', DS_DERIVE, 'Outbound', '002A97', 'line', true))),
			'packets' => array('graph' => 'Packets (packets/sec)', 'label' => 'packets per second', 'base' => 1000,
				'ds' => array(
					array('in_pkts', 'serviceInPkts', DS_DERIVE, 'Inbound', 'EA8F00', 'area', false),
					array('out_pkts', 'serviceOutPkts', DS_DERIVE, 'Outbound', '4668E4', 'line', false))),
			'new_conns' => array('graph' => 'New Connections (conns/sec)', 'label' => 'connections per second', 'base' => 1000,
				'ds' => array(
					array('conns', 'serviceConns', DS_DERIVE, 'New connections', '6EA100', 'area', false))),
			'conns' => array('graph' => 'Connections', 'label' => 'connections', 'base' => 1000,
				'ds' => array(
					array('active_conns', 'serviceActiveConns', DS_GAUGE, 'Active', '157419', 'area', false),
					array('inact_conns', 'serviceInactConns', DS_GAUGE, 'Inactive', 'FFC73B', 'stack', false))),
		),
	),
	'reals' => array(
		'name'  => 'LVS - Real Servers',
		'file'  => 'lvs_reals.xml',
		'desc'  => 'IPVS real servers of each virtual service (LVS-MIB lvsRealTable from lvs-agentx), indexed by service and real server name',
		'what'  => 'Real Server',
		'title' => '|host_description| - LVS |query_realService| real |query_realName|',
		'graphs' => array(
			'traffic' => array('graph' => 'Traffic (bits/sec)', 'label' => 'bits per second', 'base' => 1000,
				'ds' => array(
					array('in_bytes', 'realInBytes', DS_DERIVE, 'Inbound', '00CF00', 'area', true),
					array('out_bytes', 'realOutBytes', DS_DERIVE, 'Outbound', '002A97', 'line', true))),
			'packets' => array('graph' => 'Packets (packets/sec)', 'label' => 'packets per second', 'base' => 1000,
				'ds' => array(
					array('in_pkts', 'realInPkts', DS_DERIVE, 'Inbound', 'EA8F00', 'area', false),
					array('out_pkts', 'realOutPkts', DS_DERIVE, 'Outbound', '4668E4', 'line', false))),
			'new_conns' => array('graph' => 'New Connections (conns/sec)', 'label' => 'connections per second', 'base' => 1000,
				'ds' => array(
					array('conns', 'realConns', DS_DERIVE, 'New connections', '6EA100', 'area', false))),
			'conns' => array('graph' => 'Connections', 'label' => 'connections', 'base' => 1000,
				'ds' => array(
					array('active_conns', 'realActiveConns', DS_GAUGE, 'Active', '157419', 'area', false),
					array('inact_conns', 'realInactConns', DS_GAUGE, 'Inactive', 'FFC73B', 'stack', false))),
		),
	),
);

/* The input fields of "Get SNMP Data (Indexed)"; index_type, index_value and output_type differ per data source. */
$input_fields = db_fetch_assoc_prepared("SELECT id, data_name FROM data_input_fields
	WHERE data_input_id = ? AND input_output = 'in' ORDER BY id", array($snmp_indexed));

function build_data_template($key, $name, $ds_name_pattern, $sources) {
	global $snmp_indexed, $profile, $input_fields;

	$dt_id = save_by_hash('data_template', lvs_hash("dt:$key"), array('name' => $name));

	$dtd_id = (int) db_fetch_cell_prepared('SELECT id FROM data_template_data
		WHERE data_template_id = ? AND local_data_id = 0', array($dt_id));
	$dtd_id = (int) sql_save(array(
		'id'                          => $dtd_id,
		'local_data_template_data_id' => 0,
		'local_data_id'               => 0,
		'data_template_id'            => $dt_id,
		'data_input_id'               => $snmp_indexed,
		't_name'                      => '',
		'name'                        => $ds_name_pattern,
		'data_source_path'            => '',
		't_active'                    => '',
		'active'                      => 'on',
		't_rrd_step'                  => '',
		'rrd_step'                    => $profile['step'],
		't_data_source_profile_id'    => '',
		'data_source_profile_id'      => $profile['id'],
	), 'data_template_data');
	if (!$dtd_id) {
		fail("could not save data_template_data of $name");
	}

	db_execute_prepared('DELETE FROM data_input_data WHERE data_template_data_id = ?', array($dtd_id));
	foreach ($input_fields as $field) {
		$per_source = in_array($field['data_name'], array('index_type', 'index_value', 'output_type'), true);
		db_execute_prepared('INSERT INTO data_input_data (data_input_field_id, data_template_data_id, t_value, value)
			VALUES (?, ?, ?, ?)', array($field['id'], $dtd_id, $per_source ? 'on' : '', ''));
	}

	$rrd_ids = array();
	$wanted = array();
	foreach ($sources as $ds) {
		list($ds_name, $field, $type) = $ds;
		$hash = lvs_hash("dtr:$key:$ds_name");
		$wanted[] = $hash;
		$rrd_ids[$ds_name] = save_by_hash('data_template_rrd', $hash, array(
			'local_data_template_rrd_id' => 0,
			'local_data_id'              => 0,
			'data_template_id'           => $dt_id,
			't_rrd_maximum'              => '',
			'rrd_maximum'                => 'U',
			't_rrd_minimum'              => '',
			'rrd_minimum'                => '0',
			't_rrd_heartbeat'            => '',
			'rrd_heartbeat'              => $profile['heartbeat'],
			't_data_source_type_id'      => '',
			'data_source_type_id'        => $type,
			't_data_source_name'         => '',
			'data_source_name'           => $ds_name,
			't_data_input_field_id'      => '',
			'data_input_field_id'        => 0,
		));
	}
	db_execute_prepared('DELETE FROM data_template_rrd WHERE data_template_id = ? AND local_data_id = 0
		AND hash NOT IN (' . implode(',', array_fill(0, count($wanted), '?')) . ')', array_merge(array($dt_id), $wanted));

	return array($dt_id, $rrd_ids);
}

function build_graph_template($key, $name, $title, $graph, $rrd_ids) {
	global $gprint_normal, $cdef_bits;

	$gt_id = save_by_hash('graph_templates', lvs_hash("gt:$key"), array('name' => $name, 'multiple' => '', 'test_source' => ''));

	$gtg_id = (int) db_fetch_cell_prepared('SELECT id FROM graph_templates_graph
		WHERE graph_template_id = ? AND local_graph_id = 0', array($gt_id));
	$row = array(
		'id' => $gtg_id, 'local_graph_template_graph_id' => 0, 'local_graph_id' => 0, 'graph_template_id' => $gt_id,
		'image_format_id' => 1, 'title' => $title, 'title_cache' => '', 'height' => 200, 'width' => 700,
		'upper_limit' => '100', 'lower_limit' => '0', 'vertical_label' => $graph['label'], 'slope_mode' => 'on',
		'auto_scale' => 'on', 'auto_scale_opts' => 2, 'auto_scale_log' => '', 'scale_log_units' => '',
		'auto_scale_rigid' => '', 'auto_padding' => 'on', 'base_value' => $graph['base'], 'grouping' => '',
		'unit_value' => '', 'unit_exponent_value' => '', 'alt_y_grid' => '', 'right_axis' => '',
		'right_axis_label' => '', 'right_axis_format' => 0, 'right_axis_formatter' => '', 'left_axis_formatter' => '',
		'no_gridfit' => '', 'unit_length' => '', 'tab_width' => '30', 'dynamic_labels' => '',
		'force_rules_legend' => '', 'legend_position' => '', 'legend_direction' => '',
	);
	foreach (array_keys($row) as $column) {
		if (db_column_exists('graph_templates_graph', "t_$column")) {
			$row["t_$column"] = '';
		}
	}
	if (!sql_save($row, 'graph_templates_graph')) {
		fail("could not save graph_templates_graph of $name");
	}

	$sequence = 0;
	$wanted_items = array();
	$wanted_inputs = array();
	foreach ($graph['ds'] as $ds) {
		list($ds_name, $field, $type, $legend, $hex, $style, $bits) = $ds;
		$types = array('area' => 7, 'stack' => 8, 'line' => 5);
		$item_ids = array();
		$items = array(
			array('draw', $types[$style], color_id($hex), CF_AVERAGE, $legend, ''),
			array('last', 9, 0, CF_LAST, 'Current:', ''),
			array('avg', 9, 0, CF_AVERAGE, 'Average:', ''),
			array('max', 9, 0, CF_MAX, 'Maximum:', 'on'),
		);
		foreach ($items as $item) {
			list($item_key, $graph_type, $color, $cf, $text, $hard_return) = $item;
			$hash = lvs_hash("gti:$key:$ds_name:$item_key");
			$wanted_items[] = $hash;
			$item_ids[] = save_by_hash('graph_templates_item', $hash, array(
				'local_graph_template_item_id' => 0,
				'local_graph_id'               => 0,
				'graph_template_id'            => $gt_id,
				'task_item_id'                 => $rrd_ids[$ds_name],
				'color_id'                     => $color,
				'alpha'                        => 'FF',
				'graph_type_id'                => $graph_type,
				'line_width'                   => '0.00',
				'dashes'                       => '',
				'dash_offset'                  => 0,
				'cdef_id'                      => $bits ? $cdef_bits : 0,
				'vdef_id'                      => 0,
				'shift'                        => '',
				'consolidation_function_id'    => $cf,
				'textalign'                    => '',
				'text_format'                  => $text,
				'value'                        => '',
				'hard_return'                  => $hard_return,
				'gprint_id'                    => $gprint_normal,
				'sequence'                     => ++$sequence,
			));
		}

		/* "Graph Item Inputs": which data source the items of one line draw, as Cacti's item form creates them */
		$input_hash = lvs_hash("gtin:$key:$ds_name");
		$wanted_inputs[] = $input_hash;
		$input_id = save_by_hash('graph_template_input', $input_hash, array(
			'graph_template_id' => $gt_id,
			'name'              => "$legend Data Source",
			'description'       => '',
			'column_name'       => 'task_item_id',
		));
		db_execute_prepared('DELETE FROM graph_template_input_defs WHERE graph_template_input_id = ?', array($input_id));
		foreach ($item_ids as $item_id) {
			db_execute_prepared('INSERT INTO graph_template_input_defs (graph_template_input_id, graph_template_item_id)
				VALUES (?, ?)', array($input_id, $item_id));
		}
	}

	$in = implode(',', array_fill(0, count($wanted_items), '?'));
	db_execute_prepared("DELETE FROM graph_templates_item WHERE graph_template_id = ? AND local_graph_id = 0
		AND hash NOT IN ($in)", array_merge(array($gt_id), $wanted_items));
	$in = implode(',', array_fill(0, count($wanted_inputs), '?'));
	db_execute_prepared("DELETE FROM graph_template_input WHERE graph_template_id = ? AND hash NOT IN ($in)",
		array_merge(array($gt_id), $wanted_inputs));

	return $gt_id;
}

$exports = array();
foreach ($queries as $qkey => $q) {
	if ($export_only) {
		$exports[$qkey] = id_by_hash('snmp_query', lvs_hash("sq:$qkey"));
		if (!$exports[$qkey]) {
			fail("data query {$q['name']} is not in Cacti (import the templates first)");
		}
		continue;
	}

	$xml_path = '<path_cacti>/resource/snmp_queries/' . $q['file'];
	$real_path = str_replace('<path_cacti>', $config['base_path'], $xml_path);
	if (!is_readable($real_path)) {
		fail("$real_path is missing: copy packaging/cacti/resource/snmp_queries/{$q['file']} there first");
	}

	$sq_id = save_by_hash('snmp_query', lvs_hash("sq:$qkey"), array(
		'xml_path'          => $xml_path,
		'name'              => $q['name'],
		'description'       => $q['desc'],
		'graph_template_id' => 0,
		'data_input_id'     => $snmp_indexed,
	));

	$graph_sequence = 0;
	foreach ($q['graphs'] as $gkey => $graph) {
		$key = "$qkey:$gkey";
		$suffix = $graph['graph'];
		list($dt_id, $rrd_ids) = build_data_template($key, "LVS - {$q['what']} - " . preg_replace('/ \(.*\)$/', '', $suffix),
			"|host_description| - LVS {$q['what']} - " . preg_replace('/ \(.*\)$/', '', $suffix), $graph['ds']);
		$gt_id = build_graph_template($key, "LVS - {$q['what']} - $suffix",
			"|host_description| - LVS {$q['what']} - $suffix", $graph, $rrd_ids);

		$sqg_id = save_by_hash('snmp_query_graph', lvs_hash("sqg:$key"), array(
			'snmp_query_id'     => $sq_id,
			'name'              => $suffix,
			'graph_template_id' => $gt_id,
		));
		db_execute_prepared('DELETE FROM snmp_query_graph_rrd WHERE snmp_query_graph_id = ?', array($sqg_id));
		foreach ($graph['ds'] as $ds) {
			list($ds_name, $field) = $ds;
			db_execute_prepared('INSERT INTO snmp_query_graph_rrd (snmp_query_graph_id, data_template_id, data_template_rrd_id, snmp_field_name)
				VALUES (?, ?, ?, ?)', array($sqg_id, $dt_id, $rrd_ids[$ds_name], $field));
		}

		/* Suggested values: graphs titled, and data sources named, by the row's name */
		$short = preg_replace('/ \(.*\)$/', '', $suffix);
		$sv_hash = lvs_hash("sqgsv:$key:title");
		save_by_hash('snmp_query_graph_sv', $sv_hash, array(
			'snmp_query_graph_id' => $sqg_id, 'sequence' => 1, 'field_name' => 'title',
			'text' => "{$q['title']} - $short",
		));
		db_execute_prepared('DELETE FROM snmp_query_graph_sv WHERE snmp_query_graph_id = ? AND hash != ?', array($sqg_id, $sv_hash));
		$sv_hash = lvs_hash("sqgrrdsv:$key:name");
		save_by_hash('snmp_query_graph_rrd_sv', $sv_hash, array(
			'snmp_query_graph_id' => $sqg_id, 'data_template_id' => $dt_id, 'sequence' => 1, 'field_name' => 'name',
			'text' => "{$q['title']} - $short",
		));
		db_execute_prepared('DELETE FROM snmp_query_graph_rrd_sv WHERE snmp_query_graph_id = ? AND hash != ?', array($sqg_id, $sv_hash));
		print "build-templates: {$q['name']}: graph template \"LVS - {$q['what']} - $suffix\" (id $gt_id), data template id $dt_id\n";
	}

	$exports[$qkey] = $sq_id;
}

if ($export_only && $export_dir == '') {
	fail('--export-only needs --export-dir');
}
if ($export_dir != '') {
	if (!is_dir($export_dir) && !mkdir($export_dir, 0755, true)) {
		fail("cannot create $export_dir");
	}
	foreach ($exports as $qkey => $sq_id) {
		/* Cacti's own export (Import/Export > Export Templates, "Include Dependencies") */
		$xml = get_item_xml('data_query', $sq_id, true);
		if (strpos($xml, '<hash_') === false) {
			fail("Cacti exported nothing for data query $sq_id");
		}
		$file = "$export_dir/cacti_data_query_lvs_$qkey.xml";
		file_put_contents($file, $xml . "\n");
		print "build-templates: exported $file (" . strlen($xml) . " bytes)\n";
	}
}
