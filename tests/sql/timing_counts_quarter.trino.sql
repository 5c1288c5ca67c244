SELECT
  DATE_TRUNC('HOUR', "t1"."timestamp") AS "utc_hour",
  CAST(CAST(FLOOR(CAST((
    EXTRACT(minute FROM "t1"."timestamp")
  ) AS DOUBLE) / (
    15
  )) AS BIGINT) AS INTEGER) AS "part",
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
