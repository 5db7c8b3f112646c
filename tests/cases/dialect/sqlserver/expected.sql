-- spoke:create_changelog
CREATE TABLE [spoke_changelog] (
	[seq] bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY, -- spoke-managed
	[tx] bigint NULL,
	[schema_name] nvarchar(128) NOT NULL,
	[table_name] nvarchar(128) NOT NULL,
	[op] char(1) NOT NULL,
	[pk] nvarchar(max) NULL,
	[before] nvarchar(max) NULL,
	[after] nvarchar(max) NULL,
	[changed_at] datetime2(6) NOT NULL -- UTC
)
-- spoke:create_triggers
CREATE TRIGGER [dbo].[spoke_every_type_ins] ON [dbo].[every_type] AFTER INSERT AS
BEGIN
	/* spoke-managed: made by spoke setup, dropped by spoke teardown */
	SET NOCOUNT ON;
	IF SESSION_CONTEXT(N'spoke_origin') IS NOT NULL
		RETURN;
	INSERT INTO [spoke_changelog] ([tx], [schema_name], [table_name], [op], [pk], [before], [after], [changed_at])
	SELECT CURRENT_TRANSACTION_ID(), N'dbo', N'every_type', 'c',
		(SELECT
			i.[id] AS [id],
			i.[code] AS [code]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		NULL,
		(SELECT
			i.[id] AS [id],
			i.[code] AS [code],
			i.[i_tiny] AS [i_tiny],
			i.[i_big] AS [i_big],
			i.[f_real] AS [f_real],
			i.[f_float] AS [f_float],
			CONVERT(varchar(48), i.[n_dec]) AS [n_dec],
			CONVERT(varchar(48), i.[m_money], 2) AS [m_money],
			i.[b_bit] AS [b_bit],
			i.[d_date] AS [d_date],
			CONVERT(varchar(16), i.[t_time]) AS [t_time],
			STUFF(CONVERT(varchar(27), i.[dt2], 121), 11, 1, 'T') AS [dt2],
			STUFF(CONVERT(varchar(27), i.[dt], 121), 11, 1, 'T') AS [dt],
			STUFF(CONVERT(varchar(27), i.[sdt], 121), 11, 1, 'T') AS [sdt],
			CASE WHEN i.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(i.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
			i.[s_nvarchar] AS [s_nvarchar],
			i.[s_varchar] AS [s_varchar],
			i.[u_guid] AS [u_guid],
			i.[bin] AS [bin],
			CAST(i.[x_xml] AS nvarchar(max)) AS [x_xml],
			i.[g_geo].ToString() AS [g_geo],
			i.[it's [odd]]] AS [it's [odd]]]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		SYSUTCDATETIME()
	FROM inserted AS i;
END
-- spoke:create_triggers
CREATE TRIGGER [dbo].[spoke_every_type_upd] ON [dbo].[every_type] AFTER UPDATE AS
BEGIN
	/* spoke-managed: made by spoke setup, dropped by spoke teardown */
	SET NOCOUNT ON;
	IF SESSION_CONTEXT(N'spoke_origin') IS NOT NULL
		RETURN;
	INSERT INTO [spoke_changelog] ([tx], [schema_name], [table_name], [op], [pk], [before], [after], [changed_at])
	SELECT CURRENT_TRANSACTION_ID(), N'dbo', N'every_type', 'u',
		(SELECT
			i.[id] AS [id],
			i.[code] AS [code]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		(SELECT
			d.[id] AS [id],
			d.[code] AS [code],
			d.[i_tiny] AS [i_tiny],
			d.[i_big] AS [i_big],
			d.[f_real] AS [f_real],
			d.[f_float] AS [f_float],
			CONVERT(varchar(48), d.[n_dec]) AS [n_dec],
			CONVERT(varchar(48), d.[m_money], 2) AS [m_money],
			d.[b_bit] AS [b_bit],
			d.[d_date] AS [d_date],
			CONVERT(varchar(16), d.[t_time]) AS [t_time],
			STUFF(CONVERT(varchar(27), d.[dt2], 121), 11, 1, 'T') AS [dt2],
			STUFF(CONVERT(varchar(27), d.[dt], 121), 11, 1, 'T') AS [dt],
			STUFF(CONVERT(varchar(27), d.[sdt], 121), 11, 1, 'T') AS [sdt],
			CASE WHEN d.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(d.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
			d.[s_nvarchar] AS [s_nvarchar],
			d.[s_varchar] AS [s_varchar],
			d.[u_guid] AS [u_guid],
			d.[bin] AS [bin],
			CAST(d.[x_xml] AS nvarchar(max)) AS [x_xml],
			d.[g_geo].ToString() AS [g_geo],
			d.[it's [odd]]] AS [it's [odd]]]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		(SELECT
			i.[id] AS [id],
			i.[code] AS [code],
			i.[i_tiny] AS [i_tiny],
			i.[i_big] AS [i_big],
			i.[f_real] AS [f_real],
			i.[f_float] AS [f_float],
			CONVERT(varchar(48), i.[n_dec]) AS [n_dec],
			CONVERT(varchar(48), i.[m_money], 2) AS [m_money],
			i.[b_bit] AS [b_bit],
			i.[d_date] AS [d_date],
			CONVERT(varchar(16), i.[t_time]) AS [t_time],
			STUFF(CONVERT(varchar(27), i.[dt2], 121), 11, 1, 'T') AS [dt2],
			STUFF(CONVERT(varchar(27), i.[dt], 121), 11, 1, 'T') AS [dt],
			STUFF(CONVERT(varchar(27), i.[sdt], 121), 11, 1, 'T') AS [sdt],
			CASE WHEN i.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(i.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
			i.[s_nvarchar] AS [s_nvarchar],
			i.[s_varchar] AS [s_varchar],
			i.[u_guid] AS [u_guid],
			i.[bin] AS [bin],
			CAST(i.[x_xml] AS nvarchar(max)) AS [x_xml],
			i.[g_geo].ToString() AS [g_geo],
			i.[it's [odd]]] AS [it's [odd]]]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		SYSUTCDATETIME()
	FROM inserted AS i JOIN deleted AS d ON d.[id] = i.[id] AND d.[code] = i.[code];
	INSERT INTO [spoke_changelog] ([tx], [schema_name], [table_name], [op], [pk], [before], [after], [changed_at])
	SELECT CURRENT_TRANSACTION_ID(), N'dbo', N'every_type', 'd',
		(SELECT
			d.[id] AS [id],
			d.[code] AS [code]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		(SELECT
			d.[id] AS [id],
			d.[code] AS [code],
			d.[i_tiny] AS [i_tiny],
			d.[i_big] AS [i_big],
			d.[f_real] AS [f_real],
			d.[f_float] AS [f_float],
			CONVERT(varchar(48), d.[n_dec]) AS [n_dec],
			CONVERT(varchar(48), d.[m_money], 2) AS [m_money],
			d.[b_bit] AS [b_bit],
			d.[d_date] AS [d_date],
			CONVERT(varchar(16), d.[t_time]) AS [t_time],
			STUFF(CONVERT(varchar(27), d.[dt2], 121), 11, 1, 'T') AS [dt2],
			STUFF(CONVERT(varchar(27), d.[dt], 121), 11, 1, 'T') AS [dt],
			STUFF(CONVERT(varchar(27), d.[sdt], 121), 11, 1, 'T') AS [sdt],
			CASE WHEN d.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(d.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
			d.[s_nvarchar] AS [s_nvarchar],
			d.[s_varchar] AS [s_varchar],
			d.[u_guid] AS [u_guid],
			d.[bin] AS [bin],
			CAST(d.[x_xml] AS nvarchar(max)) AS [x_xml],
			d.[g_geo].ToString() AS [g_geo],
			d.[it's [odd]]] AS [it's [odd]]]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		NULL,
		SYSUTCDATETIME()
	FROM deleted AS d WHERE NOT EXISTS (SELECT 1 FROM inserted AS i WHERE d.[id] = i.[id] AND d.[code] = i.[code]);
	INSERT INTO [spoke_changelog] ([tx], [schema_name], [table_name], [op], [pk], [before], [after], [changed_at])
	SELECT CURRENT_TRANSACTION_ID(), N'dbo', N'every_type', 'c',
		(SELECT
			i.[id] AS [id],
			i.[code] AS [code]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		NULL,
		(SELECT
			i.[id] AS [id],
			i.[code] AS [code],
			i.[i_tiny] AS [i_tiny],
			i.[i_big] AS [i_big],
			i.[f_real] AS [f_real],
			i.[f_float] AS [f_float],
			CONVERT(varchar(48), i.[n_dec]) AS [n_dec],
			CONVERT(varchar(48), i.[m_money], 2) AS [m_money],
			i.[b_bit] AS [b_bit],
			i.[d_date] AS [d_date],
			CONVERT(varchar(16), i.[t_time]) AS [t_time],
			STUFF(CONVERT(varchar(27), i.[dt2], 121), 11, 1, 'T') AS [dt2],
			STUFF(CONVERT(varchar(27), i.[dt], 121), 11, 1, 'T') AS [dt],
			STUFF(CONVERT(varchar(27), i.[sdt], 121), 11, 1, 'T') AS [sdt],
			CASE WHEN i.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(i.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
			i.[s_nvarchar] AS [s_nvarchar],
			i.[s_varchar] AS [s_varchar],
			i.[u_guid] AS [u_guid],
			i.[bin] AS [bin],
			CAST(i.[x_xml] AS nvarchar(max)) AS [x_xml],
			i.[g_geo].ToString() AS [g_geo],
			i.[it's [odd]]] AS [it's [odd]]]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		SYSUTCDATETIME()
	FROM inserted AS i WHERE NOT EXISTS (SELECT 1 FROM deleted AS d WHERE d.[id] = i.[id] AND d.[code] = i.[code]);
END
-- spoke:create_triggers
CREATE TRIGGER [dbo].[spoke_every_type_del] ON [dbo].[every_type] AFTER DELETE AS
BEGIN
	/* spoke-managed: made by spoke setup, dropped by spoke teardown */
	SET NOCOUNT ON;
	IF SESSION_CONTEXT(N'spoke_origin') IS NOT NULL
		RETURN;
	INSERT INTO [spoke_changelog] ([tx], [schema_name], [table_name], [op], [pk], [before], [after], [changed_at])
	SELECT CURRENT_TRANSACTION_ID(), N'dbo', N'every_type', 'd',
		(SELECT
			d.[id] AS [id],
			d.[code] AS [code]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		(SELECT
			d.[id] AS [id],
			d.[code] AS [code],
			d.[i_tiny] AS [i_tiny],
			d.[i_big] AS [i_big],
			d.[f_real] AS [f_real],
			d.[f_float] AS [f_float],
			CONVERT(varchar(48), d.[n_dec]) AS [n_dec],
			CONVERT(varchar(48), d.[m_money], 2) AS [m_money],
			d.[b_bit] AS [b_bit],
			d.[d_date] AS [d_date],
			CONVERT(varchar(16), d.[t_time]) AS [t_time],
			STUFF(CONVERT(varchar(27), d.[dt2], 121), 11, 1, 'T') AS [dt2],
			STUFF(CONVERT(varchar(27), d.[dt], 121), 11, 1, 'T') AS [dt],
			STUFF(CONVERT(varchar(27), d.[sdt], 121), 11, 1, 'T') AS [sdt],
			CASE WHEN d.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(d.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
			d.[s_nvarchar] AS [s_nvarchar],
			d.[s_varchar] AS [s_varchar],
			d.[u_guid] AS [u_guid],
			d.[bin] AS [bin],
			CAST(d.[x_xml] AS nvarchar(max)) AS [x_xml],
			d.[g_geo].ToString() AS [g_geo],
			d.[it's [odd]]] AS [it's [odd]]]
			FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
		NULL,
		SYSUTCDATETIME()
	FROM deleted AS d;
END
-- spoke:select_rows
SELECT (SELECT
	r.[id] AS [id],
	r.[code] AS [code]
	FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
(SELECT
	r.[id] AS [id],
	r.[code] AS [code],
	r.[i_tiny] AS [i_tiny],
	r.[i_big] AS [i_big],
	r.[f_real] AS [f_real],
	r.[f_float] AS [f_float],
	CONVERT(varchar(48), r.[n_dec]) AS [n_dec],
	CONVERT(varchar(48), r.[m_money], 2) AS [m_money],
	r.[b_bit] AS [b_bit],
	r.[d_date] AS [d_date],
	CONVERT(varchar(16), r.[t_time]) AS [t_time],
	STUFF(CONVERT(varchar(27), r.[dt2], 121), 11, 1, 'T') AS [dt2],
	STUFF(CONVERT(varchar(27), r.[dt], 121), 11, 1, 'T') AS [dt],
	STUFF(CONVERT(varchar(27), r.[sdt], 121), 11, 1, 'T') AS [sdt],
	CASE WHEN r.[dto] IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), CAST(SWITCHOFFSET(r.[dto], '+00:00') AS datetime2(7)), 121), 11, 1, 'T') + 'Z' END AS [dto],
	r.[s_nvarchar] AS [s_nvarchar],
	r.[s_varchar] AS [s_varchar],
	r.[u_guid] AS [u_guid],
	r.[bin] AS [bin],
	CAST(r.[x_xml] AS nvarchar(max)) AS [x_xml],
	r.[g_geo].ToString() AS [g_geo],
	r.[it's [odd]]] AS [it's [odd]]]
	FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)
FROM [dbo].[every_type] AS r
-- spoke:mark_session
EXEC sp_set_session_context N'spoke_origin', N'spoke'
-- spoke:columns_query
SELECT c.name, LOWER(TYPE_NAME(CASE WHEN c.system_type_id = 240 THEN c.user_type_id ELSE c.system_type_id END)), c.scale, CASE WHEN EXISTS (SELECT 1 FROM sys.indexes AS ix JOIN sys.index_columns AS ic ON ic.object_id = ix.object_id AND ic.index_id = ix.index_id WHERE ix.object_id = c.object_id AND ix.is_primary_key = 1 AND ic.column_id = c.column_id) THEN '1' ELSE '0' END FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(QUOTENAME(?) + N'.' + QUOTENAME(?)) ORDER BY c.column_id
-- spoke:triggers_query
SELECT tr.name, m.definition FROM sys.triggers AS tr JOIN sys.sql_modules AS m ON m.object_id = tr.object_id WHERE tr.parent_id = OBJECT_ID(QUOTENAME(?) + N'.' + QUOTENAME(?)) AND tr.name LIKE N'spoke!_%' ESCAPE N'!' ORDER BY tr.name
-- spoke:max_seq_query
SELECT COALESCE(MAX([seq]), 0) FROM [spoke_changelog]
-- spoke:read_query
SELECT [seq], [tx], [schema_name], [table_name], [op], [pk], [before], [after], CONVERT(varchar(26), [changed_at], 121) FROM [spoke_changelog] WHERE [seq] > CAST(? AS bigint) ORDER BY [seq] OFFSET 0 ROWS FETCH NEXT CAST(? AS bigint) ROWS ONLY
-- spoke:purge_query
DELETE FROM [spoke_changelog] WHERE [seq] <= CAST(? AS bigint)
-- spoke:gap_mark_query
SELECT CONVERT(varchar(23), GETDATE(), 121)
-- spoke:gap_proof_query
SELECT CASE WHEN EXISTS (SELECT 1 FROM sys.dm_tran_active_transactions AS a JOIN sys.dm_tran_session_transactions AS s ON s.transaction_id = a.transaction_id WHERE s.session_id <> @@SPID AND a.transaction_begin_time <= DATEADD(second, 1, CONVERT(datetime2(3), ?, 121))) THEN '0' ELSE '1' END
-- spoke:begin_snapshot
SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS [dbo].[spoke_every_type_ins]
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS [dbo].[spoke_every_type_upd]
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS [dbo].[spoke_every_type_del]
-- spoke:drop_changelog
DROP TABLE IF EXISTS [spoke_changelog]
