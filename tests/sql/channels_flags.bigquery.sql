SELECT
  `t0`.`channel`,
  COUNT(*) AS `sent`,
  SUM(IF(`t0`.`clicked` > 0, 1, 0)) AS `clicked`,
  SUM(IF(`t0`.`converted` > 0, 1, 0)) AS `converted`
FROM `messages` AS `t0`
GROUP BY
  1
