-- The usage rows and the customers' segments of a Parquet portfolio in the CSV-tables shape (docs/partner-data.md: partners.parquet and
-- usage.parquet, the same columns as partners.csv and usage.csv), for duckdb_three_metrics.sql. `{dir}` is
-- replaced by the runner (side_by_side.py). Months may be strings (2024-06) or DATEs: both read as text start
-- with the year and the month.
CREATE OR REPLACE VIEW usage_rows AS
SELECT u.partner_id,
       CAST(left(CAST(p.as_of AS VARCHAR), 4) AS INTEGER) * 12
           + CAST(substr(CAST(p.as_of AS VARCHAR), 6, 2) AS INTEGER) AS as_of_m,
       u.customer,
       u.product,
       u.measure,
       CAST(u.value AS DECIMAL(18, 2)) AS value,
       u.association,
       u.offer,
       CAST(left(CAST(u.month AS VARCHAR), 4) AS INTEGER) * 12
           + CAST(substr(CAST(u.month AS VARCHAR), 6, 2) AS INTEGER) AS month_m
FROM read_parquet('{dir}/usage.parquet') u
JOIN read_parquet('{dir}/partners.parquet') p USING (partner_id)
;

-- customers.parquet is optional in the tables; without it no customer has a segment.
CREATE OR REPLACE VIEW customer_segments AS
SELECT partner_id, customer_id AS customer, segment FROM read_parquet('{dir}/customers.parquet')
