-- The sample table of expected.sql (test_dialect.c describes it as columns.txt). Not run: no
-- SQL Server in the test environment.
CREATE TABLE [dbo].[every_type] (
	[id] int NOT NULL,
	[code] nvarchar(10) NOT NULL,
	[i_tiny] tinyint,
	[i_big] bigint,
	[f_real] real,
	[f_float] float,
	[n_dec] decimal(12, 3),
	[m_money] money,
	[b_bit] bit,
	[d_date] date,
	[t_time] time(3),
	[dt2] datetime2(6),
	[dt] datetime,
	[sdt] smalldatetime,
	[dto] datetimeoffset(7),
	[s_nvarchar] nvarchar(50),
	[s_varchar] varchar(50),
	[u_guid] uniqueidentifier,
	[bin] varbinary(64),
	[x_xml] xml,
	[g_geo] geography,
	[it's [odd]]] nvarchar(10),
	PRIMARY KEY ([id], [code])
);
