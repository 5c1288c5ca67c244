SELECT
  "t1"."channel" AS "channel",
  CASE WHEN "t1"."prior" >= 5 THEN 5 ELSE "t1"."prior" END AS "level",
  COUNT(*) AS "sent",
  SUM(CASE WHEN "t1"."converted" > 0 THEN 1 ELSE 0 END) AS "converted"
FROM (
  SELECT
    "t0"."channel" AS "channel",
    "t0"."converted" AS "converted",
    COUNT("t0"."sent_at") OVER (
      PARTITION BY "t0"."recipient"
      ORDER BY CAST(toRelativeSecondNum("t0"."sent_at") AS Nullable(Int64)) ASC
      RANGE BETWEEN 604800 preceding AND CURRENT ROW
    ) - 1 AS "prior"
  FROM "messages" AS "t0"
) AS "t1"
GROUP BY
  "t1"."channel",
  CASE WHEN "t1"."prior" >= 5 THEN 5 ELSE "t1"."prior" END
