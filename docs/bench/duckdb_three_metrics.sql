-- Three Azure metrics of rules/2024-06, written as an analyst would write them in DuckDB: the peer that
-- `designate score` is measured against (docs/performance.md, issue 15). The view `usage_rows` comes from
-- duckdb_source_ndjson.sql or duckdb_source_parquet.sql (with the view `customer_segments`): one row per usage row, months as month numbers
-- (year * 12 + month), so "12 months back" is a subtraction.
--
-- From rules/2024-06 (program.toml and designations/infrastructure.toml):
--   * the selection azure-acr: measure acr_usd, associations csp, dpor and pal (pal when none is given), every
--     offer but support, internal, benefit-program and trial (pay-as-you-go when none is given);
--   * ttm_acr: the selection's total over the trailing twelve months as_of - 11 .. as_of;
--   * the path (path rule azure-partner-size): enterprise when ttm_acr is at least USD 1,000,000, or when fewer than
--     80% of the customers with eligible ACR in those twelve months are in the smb or smc segment (view
--     customer_segments); else smb. The enterprise path counts customers from USD 1,000, the smb path from USD 500.
--     (A path stated in a partner file would win; generated partners state none, so this SQL leaves it out.)
--   * net_customer_adds (kind customer-adds, rule transitions): a customer is added when it had nothing in both
--     baseline months (as_of - 13, as_of - 12) and at least the threshold in one of the last two months (as_of - 1,
--     as_of); it is lost when it had at least the threshold in a baseline month and less in both recent months;
--   * usage_growth_percent (kind usage-growth): the growth of the selection from as_of - 12 to as_of, in percent,
--     defined only when the trailing twelve months reach USD 1,000 and the baseline month is not zero.
-- What designate computes beside these (the other metrics and designations, paths, points, evidence, the
-- qualification window) has no counterpart here.
WITH acr AS (
    SELECT partner_id, as_of_m, customer, month_m AS m, value
    FROM usage_rows
    WHERE measure = 'acr_usd'
      AND coalesce(association, 'pal') IN ('csp', 'dpor', 'pal')
      AND lower(trim(coalesce(nullif(trim(offer), ''), 'pay-as-you-go')))
          NOT IN ('support', 'internal', 'benefit-program', 'trial')
),
monthly AS (
    SELECT partner_id, as_of_m, customer, m, sum(value) AS v
    FROM acr
    GROUP BY ALL
),
per_partner AS (
    SELECT partner_id,
           coalesce(sum(v) FILTER (WHERE m BETWEEN as_of_m - 11 AND as_of_m), 0) AS ttm_acr,
           coalesce(sum(v) FILTER (WHERE m = as_of_m), 0) AS acr_now,
           coalesce(sum(v) FILTER (WHERE m = as_of_m - 12), 0) AS acr_baseline
    FROM monthly
    GROUP BY ALL
),
paths AS (
    SELECT p.partner_id,
           CASE WHEN p.ttm_acr >= 1000000 THEN 'enterprise'
                WHEN count(a.customer) > 0
                     AND count(a.customer) FILTER (WHERE s.segment IN ('smb', 'smc')) < 0.8 * count(a.customer)
                THEN 'enterprise'
                ELSE 'smb' END AS path
    FROM per_partner p
    LEFT JOIN (SELECT partner_id, customer FROM monthly
               WHERE m BETWEEN as_of_m - 11 AND as_of_m GROUP BY ALL HAVING sum(v) > 0) a USING (partner_id)
    LEFT JOIN customer_segments s ON s.partner_id = a.partner_id AND s.customer = a.customer
    GROUP BY p.partner_id, p.ttm_acr
),
customers AS (
    SELECT partner_id, customer,
           coalesce(sum(v) FILTER (WHERE m IN (as_of_m - 13, as_of_m - 12)), 0) AS base_total,
           coalesce(max(v) FILTER (WHERE m IN (as_of_m - 13, as_of_m - 12)), 0) AS base_max,
           coalesce(max(v) FILTER (WHERE m IN (as_of_m - 1, as_of_m)), 0) AS recent_max
    FROM monthly
    GROUP BY ALL
),
adds AS (
    SELECT c.partner_id,
           count(*) FILTER (WHERE c.base_total = 0 AND c.recent_max >= t.threshold)
         - count(*) FILTER (WHERE c.base_max >= t.threshold AND c.recent_max < t.threshold) AS net_customer_adds
    FROM customers c
    JOIN (SELECT partner_id, CASE path WHEN 'enterprise' THEN 1000 ELSE 500 END AS threshold FROM paths) t
      USING (partner_id)
    GROUP BY ALL
)
SELECT p.partner_id,
       p.ttm_acr,
       paths.path,
       coalesce(a.net_customer_adds, 0) AS net_customer_adds,
       CASE WHEN p.ttm_acr >= 1000 AND p.acr_baseline <> 0
            THEN (p.acr_now - p.acr_baseline) * 100 / p.acr_baseline END AS usage_growth_percent
FROM per_partner p
JOIN paths USING (partner_id)
LEFT JOIN adds a USING (partner_id)
ORDER BY p.partner_id
