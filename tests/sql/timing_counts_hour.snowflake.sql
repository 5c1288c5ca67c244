SELECT
  DATE_TRUNC('HOUR', "t1"."timestamp") AS "utc_hour",
  COALESCE("t1"."device", '(missing)') AS "by",
  COUNT(*) AS "count"
FROM (
  SELECT
    *
  FROM "events" AS "t0"
  WHERE
    "t0"."timestamp" IS NOT NULL
) AS "t1"
GROUP BY
  1,
  2
