-- The usage rows and the customers' segments of an NDJSON portfolio (docs/partner-data.md, one partner file per
-- line), for duckdb_three_metrics.sql. `{path}` is replaced by the runner (side_by_side.py). The file is read once,
-- into a table; values are read as exact decimals, as designate reads them.
CREATE OR REPLACE TABLE portfolio AS
SELECT partner.id AS partner_id,
       CAST(left(as_of, 4) AS INTEGER) * 12 + CAST(substr(as_of, 6, 2) AS INTEGER) AS as_of_m,
       customers,
       usage
FROM read_json('{path}',
               format = 'newline_delimited',
               maximum_object_size = 67108864,
               columns = {
                   partner: 'STRUCT(id VARCHAR)',
                   as_of: 'VARCHAR',
                   customers: 'STRUCT(id VARCHAR, segment VARCHAR)[]',
                   usage: 'STRUCT(customer VARCHAR, month VARCHAR, product VARCHAR, measure VARCHAR,
                                  value DECIMAL(18, 2), association VARCHAR, offer VARCHAR)[]'
               });

CREATE OR REPLACE VIEW usage_rows AS
SELECT partner_id,
       as_of_m,
       u.customer,
       u.product,
       u.measure,
       u.value,
       u.association,
       u.offer,
       CAST(left(u.month, 4) AS INTEGER) * 12 + CAST(substr(u.month, 6, 2) AS INTEGER) AS month_m
FROM portfolio, unnest(usage) AS t(u);

CREATE OR REPLACE VIEW customer_segments AS
SELECT partner_id, c.id AS customer, c.segment
FROM portfolio, unnest(customers) AS t(c)
