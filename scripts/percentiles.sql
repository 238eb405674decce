-- scripts/percentiles.sql - percentiles of a per-phone metric per sweep point
-- (doc/performance.md, "Registration storm").  Usage:
--   sqlite3 -header -column DB ".parameter set :m time_to_first_registration_s" ".read scripts/percentiles.sql"
--
-- Per sweep point: phones counted, phones with a value, and the 50th and
-- 99th percentile of a per-phone metric, a phone without a value (never
-- registered, or not back by the end) counting as "not within the run"
-- (NULL).  :m is the metric; for failover_s only the phones the restart
-- hit (failover_completed not NULL) count.
WITH u AS (
  SELECT r.point_key AS k, m.value AS v
  FROM run r JOIN metric m ON m.run_id = r.id
  WHERE m.unit != '' AND m.name = :m
    AND (:m != 'failover_s' OR EXISTS (
          SELECT 1 FROM metric c WHERE c.run_id = r.id AND c.unit = m.unit
            AND c.name = 'failover_completed' AND c.value IS NOT NULL))),
ranked AS (
  SELECT k, v, row_number () OVER (PARTITION BY k ORDER BY v IS NULL, v) AS i,
         count (*) OVER (PARTITION BY k) AS n
  FROM u)
SELECT k AS point, max (n) AS phones, count (v) AS with_value,
       max (CASE WHEN i = CAST (0.50 * n AS INT) THEN round (v, 1) END) AS p50_s,
       max (CASE WHEN i = CAST (0.99 * n AS INT) THEN round (v, 1) END) AS p99_s,
       sum (CASE WHEN i = CAST (0.99 * n AS INT) AND v IS NULL THEN 1 ELSE 0 END) AS p99_censored
FROM ranked GROUP BY k ORDER BY k;
