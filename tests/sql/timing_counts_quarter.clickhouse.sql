SELECT
  dateTrunc('HOUR', "t1"."timestamp") AS "utc_hour",
  CAST(CAST(FLOOR((
    toMinute("t1"."timestamp")
  ) / (
    15
  )) AS Nullable(Int64)) AS Nullable(Int32)) AS "part",
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
  CAST(CAST(FLOOR((
    toMinute("t1"."timestamp")
  ) / (
    15
  )) AS Nullable(Int64)) AS Nullable(Int32))
