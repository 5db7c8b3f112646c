-- spoke:create_changelog
CREATE TABLE `spoke_changelog` (
	`seq` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	`tx` BIGINT NULL,
	`schema_name` VARCHAR(64) NOT NULL,
	`table_name` VARCHAR(64) NOT NULL,
	`op` CHAR(1) NOT NULL,
	`pk` LONGTEXT NULL,
	`before` LONGTEXT NULL,
	`after` LONGTEXT NULL,
	`changed_at` DATETIME(6) NOT NULL COMMENT 'UTC'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='spoke-managed: row changes written by triggers'
-- spoke:create_triggers
CREATE TRIGGER `app`.`spoke_every_type_ins` AFTER INSERT ON `app`.`every_type` FOR EACH ROW
IF @spoke_origin IS NULL AND 'spoke-managed' IS NOT NULL THEN
	INSERT INTO `spoke_changelog` (`tx`, `schema_name`, `table_name`, `op`, `pk`, `before`, `after`, `changed_at`)
	VALUES (NULL, 'app', 'every_type', 'c',
		JSON_OBJECT(
			'id', NEW.`id`,
			'code', CONVERT(NEW.`code` USING utf8mb4)),
		NULL,
		JSON_OBJECT(
			'id', NEW.`id`,
			'code', CONVERT(NEW.`code` USING utf8mb4),
			'i_tiny', NEW.`i_tiny`,
			'i_big', NEW.`i_big`,
			'i_ubig', NEW.`i_ubig`,
			'f_float', NEW.`f_float`,
			'f_double', NEW.`f_double`,
			'n_dec', CAST(NEW.`n_dec` AS CHAR),
			'b_bool', CASE WHEN NEW.`b_bool` IS NULL THEN NULL WHEN NEW.`b_bool` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'b_bit', CASE WHEN NEW.`b_bit` IS NULL THEN NULL WHEN NEW.`b_bit` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'bits', NEW.`bits` + 0,
			'd_date', NEW.`d_date`,
			't_time', NEW.`t_time`,
			'dt_0', DATE_FORMAT(NEW.`dt_0`, '%Y-%m-%dT%H:%i:%s'),
			'dt_3', LEFT(DATE_FORMAT(NEW.`dt_3`, '%Y-%m-%dT%H:%i:%s.%f'), 23),
			'dt_6', LEFT(DATE_FORMAT(NEW.`dt_6`, '%Y-%m-%dT%H:%i:%s.%f'), 26),
			'ts_0', CONCAT(DATE_FORMAT(IF(UNIX_TIMESTAMP(NEW.`ts_0`) = 0, NEW.`ts_0`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(NEW.`ts_0`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s'), 'Z'),
			'ts_6', CONCAT(LEFT(DATE_FORMAT(IF(UNIX_TIMESTAMP(NEW.`ts_6`) = 0, NEW.`ts_6`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(NEW.`ts_6`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s.%f'), 26), 'Z'),
			'y_year', NEW.`y_year`,
			's_char', CONVERT(NEW.`s_char` USING utf8mb4),
			's_text', CONVERT(NEW.`s_text` USING utf8mb4),
			's_latin', CONVERT(NEW.`s_latin` USING utf8mb4),
			's_gbk', CONVERT(NEW.`s_gbk` USING utf8mb4),
			's_enum', CONVERT(NEW.`s_enum` USING utf8mb4),
			's_set', CONVERT(NEW.`s_set` USING utf8mb4),
			'j_json', CONVERT(NEW.`j_json` USING utf8mb4),
			'bin_var', REPLACE(TO_BASE64(NEW.`bin_var`), CHAR(10 USING ascii), ''),
			'bin_blob', REPLACE(TO_BASE64(NEW.`bin_blob`), CHAR(10 USING ascii), ''),
			'bin_fixed', REPLACE(TO_BASE64(NEW.`bin_fixed`), CHAR(10 USING ascii), ''),
			'g_point', ST_AsText(NEW.`g_point`),
			_utf8mb4 X'6974277320226F646422205C20607860', CONVERT(NEW.`it's "odd" \ ``x``` USING utf8mb4)),
		UTC_TIMESTAMP(6));
END IF
-- spoke:create_triggers
CREATE TRIGGER `app`.`spoke_every_type_upd` AFTER UPDATE ON `app`.`every_type` FOR EACH ROW
IF @spoke_origin IS NULL AND 'spoke-managed' IS NOT NULL THEN
	INSERT INTO `spoke_changelog` (`tx`, `schema_name`, `table_name`, `op`, `pk`, `before`, `after`, `changed_at`)
	VALUES (NULL, 'app', 'every_type', 'u',
		JSON_OBJECT(
			'id', NEW.`id`,
			'code', CONVERT(NEW.`code` USING utf8mb4)),
		JSON_OBJECT(
			'id', OLD.`id`,
			'code', CONVERT(OLD.`code` USING utf8mb4),
			'i_tiny', OLD.`i_tiny`,
			'i_big', OLD.`i_big`,
			'i_ubig', OLD.`i_ubig`,
			'f_float', OLD.`f_float`,
			'f_double', OLD.`f_double`,
			'n_dec', CAST(OLD.`n_dec` AS CHAR),
			'b_bool', CASE WHEN OLD.`b_bool` IS NULL THEN NULL WHEN OLD.`b_bool` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'b_bit', CASE WHEN OLD.`b_bit` IS NULL THEN NULL WHEN OLD.`b_bit` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'bits', OLD.`bits` + 0,
			'd_date', OLD.`d_date`,
			't_time', OLD.`t_time`,
			'dt_0', DATE_FORMAT(OLD.`dt_0`, '%Y-%m-%dT%H:%i:%s'),
			'dt_3', LEFT(DATE_FORMAT(OLD.`dt_3`, '%Y-%m-%dT%H:%i:%s.%f'), 23),
			'dt_6', LEFT(DATE_FORMAT(OLD.`dt_6`, '%Y-%m-%dT%H:%i:%s.%f'), 26),
			'ts_0', CONCAT(DATE_FORMAT(IF(UNIX_TIMESTAMP(OLD.`ts_0`) = 0, OLD.`ts_0`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(OLD.`ts_0`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s'), 'Z'),
			'ts_6', CONCAT(LEFT(DATE_FORMAT(IF(UNIX_TIMESTAMP(OLD.`ts_6`) = 0, OLD.`ts_6`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(OLD.`ts_6`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s.%f'), 26), 'Z'),
			'y_year', OLD.`y_year`,
			's_char', CONVERT(OLD.`s_char` USING utf8mb4),
			's_text', CONVERT(OLD.`s_text` USING utf8mb4),
			's_latin', CONVERT(OLD.`s_latin` USING utf8mb4),
			's_gbk', CONVERT(OLD.`s_gbk` USING utf8mb4),
			's_enum', CONVERT(OLD.`s_enum` USING utf8mb4),
			's_set', CONVERT(OLD.`s_set` USING utf8mb4),
			'j_json', CONVERT(OLD.`j_json` USING utf8mb4),
			'bin_var', REPLACE(TO_BASE64(OLD.`bin_var`), CHAR(10 USING ascii), ''),
			'bin_blob', REPLACE(TO_BASE64(OLD.`bin_blob`), CHAR(10 USING ascii), ''),
			'bin_fixed', REPLACE(TO_BASE64(OLD.`bin_fixed`), CHAR(10 USING ascii), ''),
			'g_point', ST_AsText(OLD.`g_point`),
			_utf8mb4 X'6974277320226F646422205C20607860', CONVERT(OLD.`it's "odd" \ ``x``` USING utf8mb4)),
		JSON_OBJECT(
			'id', NEW.`id`,
			'code', CONVERT(NEW.`code` USING utf8mb4),
			'i_tiny', NEW.`i_tiny`,
			'i_big', NEW.`i_big`,
			'i_ubig', NEW.`i_ubig`,
			'f_float', NEW.`f_float`,
			'f_double', NEW.`f_double`,
			'n_dec', CAST(NEW.`n_dec` AS CHAR),
			'b_bool', CASE WHEN NEW.`b_bool` IS NULL THEN NULL WHEN NEW.`b_bool` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'b_bit', CASE WHEN NEW.`b_bit` IS NULL THEN NULL WHEN NEW.`b_bit` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'bits', NEW.`bits` + 0,
			'd_date', NEW.`d_date`,
			't_time', NEW.`t_time`,
			'dt_0', DATE_FORMAT(NEW.`dt_0`, '%Y-%m-%dT%H:%i:%s'),
			'dt_3', LEFT(DATE_FORMAT(NEW.`dt_3`, '%Y-%m-%dT%H:%i:%s.%f'), 23),
			'dt_6', LEFT(DATE_FORMAT(NEW.`dt_6`, '%Y-%m-%dT%H:%i:%s.%f'), 26),
			'ts_0', CONCAT(DATE_FORMAT(IF(UNIX_TIMESTAMP(NEW.`ts_0`) = 0, NEW.`ts_0`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(NEW.`ts_0`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s'), 'Z'),
			'ts_6', CONCAT(LEFT(DATE_FORMAT(IF(UNIX_TIMESTAMP(NEW.`ts_6`) = 0, NEW.`ts_6`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(NEW.`ts_6`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s.%f'), 26), 'Z'),
			'y_year', NEW.`y_year`,
			's_char', CONVERT(NEW.`s_char` USING utf8mb4),
			's_text', CONVERT(NEW.`s_text` USING utf8mb4),
			's_latin', CONVERT(NEW.`s_latin` USING utf8mb4),
			's_gbk', CONVERT(NEW.`s_gbk` USING utf8mb4),
			's_enum', CONVERT(NEW.`s_enum` USING utf8mb4),
			's_set', CONVERT(NEW.`s_set` USING utf8mb4),
			'j_json', CONVERT(NEW.`j_json` USING utf8mb4),
			'bin_var', REPLACE(TO_BASE64(NEW.`bin_var`), CHAR(10 USING ascii), ''),
			'bin_blob', REPLACE(TO_BASE64(NEW.`bin_blob`), CHAR(10 USING ascii), ''),
			'bin_fixed', REPLACE(TO_BASE64(NEW.`bin_fixed`), CHAR(10 USING ascii), ''),
			'g_point', ST_AsText(NEW.`g_point`),
			_utf8mb4 X'6974277320226F646422205C20607860', CONVERT(NEW.`it's "odd" \ ``x``` USING utf8mb4)),
		UTC_TIMESTAMP(6));
END IF
-- spoke:create_triggers
CREATE TRIGGER `app`.`spoke_every_type_del` AFTER DELETE ON `app`.`every_type` FOR EACH ROW
IF @spoke_origin IS NULL AND 'spoke-managed' IS NOT NULL THEN
	INSERT INTO `spoke_changelog` (`tx`, `schema_name`, `table_name`, `op`, `pk`, `before`, `after`, `changed_at`)
	VALUES (NULL, 'app', 'every_type', 'd',
		JSON_OBJECT(
			'id', OLD.`id`,
			'code', CONVERT(OLD.`code` USING utf8mb4)),
		JSON_OBJECT(
			'id', OLD.`id`,
			'code', CONVERT(OLD.`code` USING utf8mb4),
			'i_tiny', OLD.`i_tiny`,
			'i_big', OLD.`i_big`,
			'i_ubig', OLD.`i_ubig`,
			'f_float', OLD.`f_float`,
			'f_double', OLD.`f_double`,
			'n_dec', CAST(OLD.`n_dec` AS CHAR),
			'b_bool', CASE WHEN OLD.`b_bool` IS NULL THEN NULL WHEN OLD.`b_bool` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'b_bit', CASE WHEN OLD.`b_bit` IS NULL THEN NULL WHEN OLD.`b_bit` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
			'bits', OLD.`bits` + 0,
			'd_date', OLD.`d_date`,
			't_time', OLD.`t_time`,
			'dt_0', DATE_FORMAT(OLD.`dt_0`, '%Y-%m-%dT%H:%i:%s'),
			'dt_3', LEFT(DATE_FORMAT(OLD.`dt_3`, '%Y-%m-%dT%H:%i:%s.%f'), 23),
			'dt_6', LEFT(DATE_FORMAT(OLD.`dt_6`, '%Y-%m-%dT%H:%i:%s.%f'), 26),
			'ts_0', CONCAT(DATE_FORMAT(IF(UNIX_TIMESTAMP(OLD.`ts_0`) = 0, OLD.`ts_0`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(OLD.`ts_0`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s'), 'Z'),
			'ts_6', CONCAT(LEFT(DATE_FORMAT(IF(UNIX_TIMESTAMP(OLD.`ts_6`) = 0, OLD.`ts_6`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(OLD.`ts_6`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s.%f'), 26), 'Z'),
			'y_year', OLD.`y_year`,
			's_char', CONVERT(OLD.`s_char` USING utf8mb4),
			's_text', CONVERT(OLD.`s_text` USING utf8mb4),
			's_latin', CONVERT(OLD.`s_latin` USING utf8mb4),
			's_gbk', CONVERT(OLD.`s_gbk` USING utf8mb4),
			's_enum', CONVERT(OLD.`s_enum` USING utf8mb4),
			's_set', CONVERT(OLD.`s_set` USING utf8mb4),
			'j_json', CONVERT(OLD.`j_json` USING utf8mb4),
			'bin_var', REPLACE(TO_BASE64(OLD.`bin_var`), CHAR(10 USING ascii), ''),
			'bin_blob', REPLACE(TO_BASE64(OLD.`bin_blob`), CHAR(10 USING ascii), ''),
			'bin_fixed', REPLACE(TO_BASE64(OLD.`bin_fixed`), CHAR(10 USING ascii), ''),
			'g_point', ST_AsText(OLD.`g_point`),
			_utf8mb4 X'6974277320226F646422205C20607860', CONVERT(OLD.`it's "odd" \ ``x``` USING utf8mb4)),
		NULL,
		UTC_TIMESTAMP(6));
END IF
-- spoke:select_rows
SELECT JSON_OBJECT(
	'id', r.`id`,
	'code', CONVERT(r.`code` USING utf8mb4)),
JSON_OBJECT(
	'id', r.`id`,
	'code', CONVERT(r.`code` USING utf8mb4),
	'i_tiny', r.`i_tiny`,
	'i_big', r.`i_big`,
	'i_ubig', r.`i_ubig`,
	'f_float', r.`f_float`,
	'f_double', r.`f_double`,
	'n_dec', CAST(r.`n_dec` AS CHAR),
	'b_bool', CASE WHEN r.`b_bool` IS NULL THEN NULL WHEN r.`b_bool` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
	'b_bit', CASE WHEN r.`b_bit` IS NULL THEN NULL WHEN r.`b_bit` <> 0 THEN JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END,
	'bits', r.`bits` + 0,
	'd_date', r.`d_date`,
	't_time', r.`t_time`,
	'dt_0', DATE_FORMAT(r.`dt_0`, '%Y-%m-%dT%H:%i:%s'),
	'dt_3', LEFT(DATE_FORMAT(r.`dt_3`, '%Y-%m-%dT%H:%i:%s.%f'), 23),
	'dt_6', LEFT(DATE_FORMAT(r.`dt_6`, '%Y-%m-%dT%H:%i:%s.%f'), 26),
	'ts_0', CONCAT(DATE_FORMAT(IF(UNIX_TIMESTAMP(r.`ts_0`) = 0, r.`ts_0`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(r.`ts_0`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s'), 'Z'),
	'ts_6', CONCAT(LEFT(DATE_FORMAT(IF(UNIX_TIMESTAMP(r.`ts_6`) = 0, r.`ts_6`, TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(r.`ts_6`) * 1000000 MICROSECOND), '%Y-%m-%dT%H:%i:%s.%f'), 26), 'Z'),
	'y_year', r.`y_year`,
	's_char', CONVERT(r.`s_char` USING utf8mb4),
	's_text', CONVERT(r.`s_text` USING utf8mb4),
	's_latin', CONVERT(r.`s_latin` USING utf8mb4),
	's_gbk', CONVERT(r.`s_gbk` USING utf8mb4),
	's_enum', CONVERT(r.`s_enum` USING utf8mb4),
	's_set', CONVERT(r.`s_set` USING utf8mb4),
	'j_json', CONVERT(r.`j_json` USING utf8mb4),
	'bin_var', REPLACE(TO_BASE64(r.`bin_var`), CHAR(10 USING ascii), ''),
	'bin_blob', REPLACE(TO_BASE64(r.`bin_blob`), CHAR(10 USING ascii), ''),
	'bin_fixed', REPLACE(TO_BASE64(r.`bin_fixed`), CHAR(10 USING ascii), ''),
	'g_point', ST_AsText(r.`g_point`),
	_utf8mb4 X'6974277320226F646422205C20607860', CONVERT(r.`it's "odd" \ ``x``` USING utf8mb4))
FROM `app`.`every_type` AS r
-- spoke:mark_session
SET @spoke_origin = 'spoke'
-- spoke:columns_query
SELECT COLUMN_NAME, CASE WHEN COLUMN_TYPE IN ('tinyint(1)', 'bit(1)') THEN 'boolean' ELSE LOWER(DATA_TYPE) END, COALESCE(CASE WHEN DATA_TYPE IN ('decimal', 'numeric') THEN NUMERIC_SCALE ELSE DATETIME_PRECISION END, 0), CASE WHEN COLUMN_KEY = 'PRI' THEN '1' ELSE '0' END FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION
-- spoke:triggers_query
SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? AND TRIGGER_NAME LIKE 'spoke!_%' ESCAPE '!' ORDER BY TRIGGER_NAME
-- spoke:max_seq_query
SELECT COALESCE(MAX(`seq`), 0) FROM `spoke_changelog`
-- spoke:read_query
SELECT `seq`, `tx`, `schema_name`, `table_name`, `op`, `pk`, `before`, `after`, CAST(`changed_at` AS CHAR) FROM `spoke_changelog` WHERE `seq` > CAST(? AS SIGNED) ORDER BY `seq` LIMIT ?
-- spoke:purge_query
DELETE FROM `spoke_changelog` WHERE `seq` <= CAST(? AS SIGNED)
-- spoke:gap_mark_query
SELECT UNIX_TIMESTAMP()
-- spoke:gap_proof_query
SELECT CASE WHEN EXISTS (SELECT 1 FROM information_schema.INNODB_TRX WHERE UNIX_TIMESTAMP(trx_started) <= CAST(? AS SIGNED) + 1 AND trx_mysql_thread_id <> CONNECTION_ID()) THEN '0' ELSE '1' END
-- spoke:begin_snapshot
START TRANSACTION WITH CONSISTENT SNAPSHOT
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS `app`.`spoke_every_type_ins`
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS `app`.`spoke_every_type_upd`
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS `app`.`spoke_every_type_del`
-- spoke:drop_changelog
DROP TABLE IF EXISTS `spoke_changelog`
