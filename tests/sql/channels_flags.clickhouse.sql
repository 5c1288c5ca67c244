SELECT
  "t0"."channel" AS "channel",
  COUNT(*) AS "sent",
  SUM(CASE WHEN "t0"."clicked" > 0 THEN 1 ELSE 0 END) AS "clicked",
  SUM(CASE WHEN "t0"."converted" > 0 THEN 1 ELSE 0 END) AS "converted"
FROM "messages" AS "t0"
GROUP BY
  "t0"."channel"
