-- Recurring problems over a period, from the case facts rows (issue 15): per kelurahan
-- (folded: Iring Mulyo = Iringmulyo) and category, the cases received, their trend (second
-- half of the period minus the first) and how many came after an earlier case of the same
-- kelurahan and category had been resolved ("came back": the cause was not fixed).
-- Titles are not in BigQuery, so "the same problem" is the same kelurahan and category here;
-- the dashboard's clusters (/reports/dashboard/berulang) also compare the titles.
-- Parameters: @first_day DATE, @end_day DATE (end exclusive), @middle_day DATE (the period's middle).
WITH numbered AS (
  SELECT f.*, ROW_NUMBER() OVER (PARTITION BY id ORDER BY recorded_at) AS copy
  FROM sigap_events.case_facts AS f
),
latest AS (
  SELECT case_id, MAX(publication) AS publication FROM numbered GROUP BY case_id
),
cases AS (
  SELECT n.* FROM numbered AS n
  JOIN latest AS l ON n.case_id = l.case_id AND n.publication = l.publication
  WHERE n.copy = 1 AND n.kind = 'case' AND n.place <> '-'
),
received AS (
  SELECT * FROM cases WHERE anchor_day >= @first_day AND anchor_day < @end_day
),
came_back AS (
  SELECT r.case_id FROM received AS r
  WHERE EXISTS (SELECT 1 FROM received AS p
                WHERE p.place = r.place AND p.category = r.category AND p.case_id <> r.case_id
                  AND p.resolved_at IS NOT NULL AND p.resolved_at < r.anchor_at)
)
SELECT r.place, r.category, COUNT(*) AS received,
       SUM(CASE WHEN r.anchor_day >= @middle_day THEN 1 ELSE 0 END)
         - SUM(CASE WHEN r.anchor_day < @middle_day THEN 1 ELSE 0 END) AS trend,
       SUM(CASE WHEN b.case_id IS NOT NULL THEN 1 ELSE 0 END) AS came_back
FROM received AS r LEFT JOIN came_back AS b ON b.case_id = r.case_id
GROUP BY r.place, r.category
ORDER BY received DESC, r.category, r.place
