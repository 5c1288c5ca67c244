SELECT
  dateTrunc('HOUR', "t1"."timestamp") AS "utc_hour",
  COALESCE("t1"."device", '(missing)') AS "by",
  COUNT(*) AS "count"
FROM (
  SELECT
    *
  FROM "events" AS "t0"
  WHERE
    isNotNull("t0"."timestamp")
) AS "t1"
GROUP BY
  dateTrunc('HOUR', "t1"."timestamp"),
  COALESCE("t1"."device", '(missing)')
