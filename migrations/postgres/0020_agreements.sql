-- Versioned provider agreements (issue 15, item 2). Admins publish a version (Markdown in both
-- languages, the day it takes effect, a summary of the changes); providers accept each version,
-- the version and time kept here (and audited). The version that was a constant in the code
-- (2026-01, in force since 2026-01-01 00:00 Asia/Shanghai) is the first row, and every
-- acceptance of it recorded in a move-in application is carried over.
CREATE TABLE agreement_versions (
    version         TEXT PRIMARY KEY,           -- YYYY-MM; later versions sort after
    effective_on    TEXT NOT NULL,              -- YYYY-MM-DD in the marketplace's time zone
    effective_from  BIGINT NOT NULL,             -- the first moment of that day, unix ms
    summary         TEXT NOT NULL,
    text_zh         TEXT NOT NULL,              -- Markdown, zh-CN
    text_en         TEXT NOT NULL,              -- Markdown, en
    published_by    TEXT REFERENCES accounts(id),
    published_at    BIGINT NOT NULL
);
CREATE INDEX agreement_versions_effective ON agreement_versions(effective_from);

CREATE TABLE agreement_acceptances (
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    version      TEXT NOT NULL REFERENCES agreement_versions(version),
    accepted_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, version)
);

INSERT INTO agreement_versions (version, effective_on, effective_from, summary, text_zh, text_en, published_by, published_at)
VALUES ('2026-01', '2026-01-01', 1767196800000, '首个版本 · The first version', '# 服务商协议

本协议是您（“服务商”）与云市场运营方（“平台”）之间关于入驻云市场、发布和销售商品与服务的约定。勾选“我已阅读并接受”并提交入驻申请，即表示您已阅读、理解并同意本协议的全部内容。

## 1. 入驻条件

1. 服务商须为依法设立的企业或个体工商户，并完成企业实名认证（营业执照、法定代表人身份、对公银行账户）。
2. 服务商提交的资料须真实、准确、完整；资料发生变化时，应在 10 个工作日内更新。
3. 平台审核入驻申请，可以通过或说明理由退回。

## 2. 商品与服务

1. 服务商只能在入驻申请中声明的类目和服务类型内发布商品。
2. 商品信息（名称、简介、详情、价格、交付方式、售后范围与质保）须真实、清楚，不得误导买家。
3. 每个商品及其每次修改均须经平台审核；审核通过前，已上架的版本继续展示。
4. 服务商可以随时下架自己的商品。

## 3. 客户服务

1. 服务商须提供有效的客服电话、客服邮箱和咚咚咨询组，服务时间不少于每周 5 天、每天 8 小时（5 × 8）。
2. 上述客服信息展示在服务商每个商品页的左侧。
3. 服务商应在服务时间内及时答复买家的咨询。

## 4. 结算

1. 结算账户的开户名须与认证的企业名称一致。
2. 变更结算账户须经平台审核，并以邮件通知服务商账号和联系人；审核通过前，款项继续结算到原账户。

## 5. 资料与隐私

1. 平台按照《个人信息保护法》处理服务商提供的个人信息，证件号码和银行账号加密存储、脱敏展示。
2. 服务商上传的证明材料仅服务商本人和平台审核人员可见。

## 6. 暂停与终止

1. 服务商违反本协议或法律法规的，平台可以暂停其服务商资格，并将其商品下架，同时以邮件说明原因。
2. 服务商可以申请终止入驻；终止后，平台按法律规定的期限保留必要的记录。

## 7. 协议的变更

平台发布新版本协议时，将提前通知服务商。新版本生效后，服务商须接受新版本方可继续发布商品。

## 8. 其他

本协议适用中华人民共和国法律（不含港澳台地区法律）。因本协议产生的争议，双方应友好协商；协商不成的，提交平台所在地有管辖权的人民法院处理。
', '# Service Provider Agreement

This agreement is between you (the "Provider") and the operator of the cloud marketplace (the "Marketplace") about moving in to the marketplace and releasing and selling products and services on it. By ticking "I have read and accept" and submitting your move-in application, you confirm that you have read, understood and agree to all of it.

## 1. Who may move in

1. The Provider is an enterprise or a sole proprietorship established by law, and has passed enterprise real-name verification (business licence, legal representative, corporate bank account).
2. What the Provider submits is correct, accurate and complete; when it changes, the Provider updates it within 10 working days.
3. The Marketplace reviews the move-in application and approves it, or returns it with its reasons.

## 2. Products and services

1. The Provider releases products only in the categories and service types declared in its move-in application.
2. Product information (name, summary, description, prices, delivery, after-sales scope and warranty) is accurate and clear and does not mislead buyers.
3. Every product and every change to it is reviewed by the Marketplace; until a change is approved, the version already listed stays on show.
4. The Provider may unlist its products at any time.

## 3. Customer service

1. The Provider keeps a working customer-service phone number, e-mail address and Dongdong consultant group, available at least five days a week, eight hours a day (5 × 8).
2. These details are shown on the left of each of the Provider''s product pages.
3. The Provider answers buyers'' questions promptly within its service hours.

## 4. Settlement

1. The name of the settlement account is the verified company name.
2. A change of the settlement account is reviewed by the Marketplace and announced by e-mail to the Provider''s account and contact person; until it is approved, money is paid to the account in force.

## 5. Data and privacy

1. The Marketplace handles the personal information the Provider gives under the Personal Information Protection Law; ID numbers and bank account numbers are stored encrypted and shown masked.
2. Documents the Provider uploads are seen only by the Provider and the Marketplace''s reviewers.

## 6. Suspension and ending

1. When the Provider breaches this agreement or the law, the Marketplace may suspend the Provider and unlist its products, and says why by e-mail.
2. The Provider may ask to end its participation; afterwards the Marketplace keeps the records the law requires for as long as it requires.

## 7. Changes to this agreement

The Marketplace announces a new version of this agreement to providers in advance. Once it is in force, a Provider accepts it before releasing further products.

## 8. Other terms

This agreement is governed by the laws of the People''s Republic of China (excluding Hong Kong, Macao and Taiwan). Disputes are settled by friendly negotiation first, and otherwise by the competent people''s court where the Marketplace is located.
', NULL, 1767196800000);

INSERT INTO agreement_acceptances (account_id, version, accepted_at)
SELECT account_id, data::jsonb ->> 'agreement_version',
       CAST(EXTRACT(EPOCH FROM CAST(data::jsonb ->> 'agreement_accepted_at' AS TIMESTAMPTZ)) * 1000 AS BIGINT)
FROM partner_applications
WHERE data::jsonb ->> 'agreement_version' = '2026-01'
  AND data::jsonb ->> 'agreement_accepted_at' IS NOT NULL;
