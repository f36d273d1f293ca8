-- The published figures per unit over a period, from the case facts rows (issue 15).
-- The same definitions as docs/reports.md and the aggregates (shared/domain/reports/aggregates.py);
-- tests/unit/test_bigquery_sql.py runs this very file on DuckDB and compares it with them.
-- Parameters (BigQuery named query parameters):
--   @first_day DATE, @end_day DATE   the period's local days, end exclusive
--   @now TIMESTAMP                   "known", "open now" and "overdue now" are as of this instant
-- Percentages are left to the reader (on_time / known): BigQuery rounds half away from zero.
WITH numbered AS (  -- Pub/Sub delivers at least once: one copy of each row
  SELECT f.*, ROW_NUMBER() OVER (PARTITION BY id ORDER BY recorded_at) AS copy
  FROM sigap_events.case_facts AS f
),
latest AS (  -- a case's state is its newest publication
  SELECT case_id, MAX(publication) AS publication FROM numbered GROUP BY case_id
),
facts AS (
  SELECT n.* FROM numbered AS n
  JOIN latest AS l ON n.case_id = l.case_id AND n.publication = l.publication
  WHERE n.copy = 1
),
received AS (
  SELECT * FROM facts
  WHERE kind = 'case' AND anchor_day >= @first_day AND anchor_day < @end_day
),
compliance AS (
  SELECT unit_id,
         COUNT(*) AS received,
         SUM(CASE WHEN fr_due IS NOT NULL AND (responded_at IS NOT NULL OR fr_due <= @now) THEN 1 ELSE 0 END)
           AS first_response_known,
         SUM(CASE WHEN fr_due IS NOT NULL AND responded_at <= fr_due THEN 1 ELSE 0 END) AS first_response_on_time,
         SUM(CASE WHEN res_due IS NOT NULL AND (resolved_at IS NOT NULL OR res_due <= @now) THEN 1 ELSE 0 END)
           AS resolved_known,
         SUM(CASE WHEN res_due IS NOT NULL AND resolved_at <= res_due THEN 1 ELSE 0 END) AS resolved_on_time
  FROM received GROUP BY unit_id
),
fr_ranked AS (
  SELECT unit_id, fr_days AS v, ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY fr_days) AS rn,
         COUNT(*) OVER (PARTITION BY unit_id) AS n
  FROM received WHERE fr_due IS NOT NULL AND fr_days IS NOT NULL AND responded_at IS NOT NULL
),
res_ranked AS (
  SELECT unit_id, res_days AS v, ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY res_days) AS rn,
         COUNT(*) OVER (PARTITION BY unit_id) AS n
  FROM received WHERE res_due IS NOT NULL AND res_days IS NOT NULL AND resolved_at IS NOT NULL
),
fr_pct AS (  -- nearest rank: the smallest value with at least p% of the values at or below it
  SELECT unit_id, MIN(CASE WHEN rn >= GREATEST(1, CEIL(0.5 * n)) THEN v END) AS first_response_days_median,
         MIN(CASE WHEN rn >= GREATEST(1, CEIL(0.9 * n)) THEN v END) AS first_response_days_p90
  FROM fr_ranked GROUP BY unit_id
),
res_pct AS (
  SELECT unit_id, MIN(CASE WHEN rn >= GREATEST(1, CEIL(0.5 * n)) THEN v END) AS resolution_days_median,
         MIN(CASE WHEN rn >= GREATEST(1, CEIL(0.9 * n)) THEN v END) AS resolution_days_p90
  FROM res_ranked GROUP BY unit_id
),
open_now AS (
  SELECT unit_id, COUNT(*) AS open_now,
         SUM(CASE WHEN deadline_at IS NOT NULL AND deadline_at <= @now THEN 1 ELSE 0 END) AS overdue_now
  FROM facts WHERE kind = 'case' AND status NOT IN ('resolved', 'closed') GROUP BY unit_id
),
escalations AS (
  SELECT unit_id, COUNT(*) AS escalations FROM facts
  WHERE kind = 'escalation' AND happened_day >= @first_day AND happened_day < @end_day GROUP BY unit_id
),
reroutes AS (  -- counted for the unit that asked
  SELECT asked_by AS unit_id, COUNT(*) AS reroutes FROM facts
  WHERE kind = 'reroute' AND happened_day >= @first_day AND happened_day < @end_day GROUP BY asked_by
),
units AS (
  SELECT unit_id FROM compliance UNION DISTINCT SELECT unit_id FROM open_now
  UNION DISTINCT SELECT unit_id FROM escalations UNION DISTINCT SELECT unit_id FROM reroutes
)
SELECT u.unit_id,
       COALESCE(c.received, 0) AS received,
       COALESCE(c.first_response_known, 0) AS first_response_known,
       COALESCE(c.first_response_on_time, 0) AS first_response_on_time,
       COALESCE(c.resolved_known, 0) AS resolved_known,
       COALESCE(c.resolved_on_time, 0) AS resolved_on_time,
       f.first_response_days_median, f.first_response_days_p90,
       r.resolution_days_median, r.resolution_days_p90,
       COALESCE(o.open_now, 0) AS open_now, COALESCE(o.overdue_now, 0) AS overdue_now,
       COALESCE(e.escalations, 0) AS escalations, COALESCE(x.reroutes, 0) AS reroutes
FROM units AS u
LEFT JOIN compliance AS c ON c.unit_id = u.unit_id
LEFT JOIN fr_pct AS f ON f.unit_id = u.unit_id
LEFT JOIN res_pct AS r ON r.unit_id = u.unit_id
LEFT JOIN open_now AS o ON o.unit_id = u.unit_id
LEFT JOIN escalations AS e ON e.unit_id = u.unit_id
LEFT JOIN reroutes AS x ON x.unit_id = u.unit_id
ORDER BY u.unit_id
