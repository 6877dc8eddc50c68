-- Issue 14: the reason library, appeals, and the decisions ledger the report reads.

-- Coded rejection reasons per kind (and field), in both languages; admins add, edit and retire
-- them. A retired code is never offered again, but the decisions that used it keep its text:
-- each decision stores the text it was given with (`review_items.reasons`).
CREATE TABLE review_reasons (
    code        TEXT PRIMARY KEY,             -- lower-case letters, digits, underscores
    kind        TEXT NOT NULL,                -- enterprise_verification | partner_application | settlement_change | product
    field       TEXT,                         -- the field it is usually about (may be overridden per decision)
    text_zh     TEXT NOT NULL,
    text_en     TEXT NOT NULL,
    retired_at  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX review_reasons_kind ON review_reasons(kind, code);

INSERT INTO review_reasons (code, kind, field, text_zh, text_en, created_at, updated_at) VALUES
  ('licence_illegible', 'enterprise_verification', 'documents.business_license', '营业执照照片不清晰，请上传清晰完整的照片。', 'The business licence photo is not legible; upload a clear, complete photo.', 0, 0),
  ('licence_expired', 'enterprise_verification', 'documents.business_license', '营业执照已过期，请上传在有效期内的营业执照。', 'The business licence has expired; upload a licence that is still valid.', 0, 0),
  ('uscc_mismatch', 'enterprise_verification', 'uscc', '统一社会信用代码与营业执照上的不一致，请核对后重新填写。', 'The Unified Social Credit Code does not match the one on the business licence; check it and enter it again.', 0, 0),
  ('company_name_mismatch', 'enterprise_verification', 'company_name', '企业名称与营业执照上的不一致，请按执照填写全称。', 'The company name does not match the business licence; enter the full name as on the licence.', 0, 0),
  ('address_mismatch', 'enterprise_verification', 'registered_address', '注册地址与营业执照上的不一致。', 'The registered address does not match the business licence.', 0, 0),
  ('legal_rep_mismatch', 'enterprise_verification', 'legal_rep.name', '法定代表人与营业执照上的不一致。', 'The legal representative does not match the business licence.', 0, 0),
  ('authorisation_letter_unsigned', 'enterprise_verification', 'documents.authorization_letter', '授权书未签字或未加盖公章，请上传签字盖章后的授权书。', 'The letter of authorisation is not signed or stamped; upload a signed and stamped letter.', 0, 0),
  ('bank_account_mismatch', 'enterprise_verification', 'corporate_account.account_number', '对公账户信息有误，请核对开户行和账号。', 'The corporate account details are wrong; check the bank and the account number.', 0, 0),
  ('business_brief_insufficient', 'partner_application', 'business_brief', '业务简介过于简略，请说明公司的主营业务、产品和典型客户。', 'The business brief is too short; describe the company''s main business, products and typical customers.', 0, 0),
  ('categories_unsuitable', 'partner_application', 'categories', '所选类目与公司业务不符，请选择与实际业务相符的类目。', 'The chosen categories do not fit the company''s business; choose the ones that match what it actually does.', 0, 0),
  ('contact_unreachable', 'partner_application', 'contact.mobile', '联系人电话无法接通，请填写有效的联系方式。', 'The contact person cannot be reached at this number; give a working one.', 0, 0),
  ('service_hours_insufficient', 'partner_application', 'service_hours', '客服时间不满足至少 5×8 小时的要求。', 'The customer-service hours do not meet the minimum of 5×8.', 0, 0),
  ('account_name_mismatch', 'settlement_change', 'account_name', '账户名称与认证的企业名称不一致。', 'The account name is not the verified company name.', 0, 0),
  ('branch_code_wrong', 'settlement_change', 'branch_code', '联行号与开户支行不符，请核对 12 位联行号。', 'The branch bank number does not match the branch; check the 12-digit number.', 0, 0),
  ('bank_proof_missing', 'settlement_change', NULL, '请联系平台提供开户证明以核实账户变更。', 'Contact the marketplace with proof of the account to confirm this change.', 0, 0),
  ('product_description_incomplete', 'product', 'description', '产品描述不完整，请说明功能、交付方式和使用限制。', 'The product description is incomplete; describe its features, how it is delivered and its limits.', 0, 0),
  ('product_name_misleading', 'product', 'name', '产品名称含有夸大或误导性用语。', 'The product name contains exaggerated or misleading words.', 0, 0),
  ('pricing_unclear', 'product', 'plans', '价格方案不清晰，请写明每个方案包含的内容。', 'The pricing plans are unclear; say what each plan includes.', 0, 0),
  ('category_mismatch', 'product', 'category', '产品与所选类目不符。', 'The product does not belong in the chosen category.', 0, 0);

-- An item reopened by an appeal is back in the queue with `appeal` = 1.
ALTER TABLE review_items ADD COLUMN appeal BIGINT NOT NULL DEFAULT 0;

-- An applicant's answer to a rejection: one per rejected item (the unique key is the rule), with
-- the rejection it answers as it was, and the reviewer's reply once the item is decided again.
CREATE TABLE review_appeals (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL UNIQUE REFERENCES review_items(id),
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    message         TEXT NOT NULL,
    document_id     TEXT,
    rejected_reasons TEXT,
    rejected_at     BIGINT NOT NULL,
    rejected_by     TEXT,
    created_at      BIGINT NOT NULL,
    reply           TEXT,
    replied_by      TEXT,
    replied_at      BIGINT,
    outcome         TEXT                      -- approved | rejected, once answered
);
CREATE INDEX review_appeals_account ON review_appeals(account_id, created_at);

-- Every decision once, as the report counts them: when the wait began (the submission, or the
-- appeal) and when it ended, and the reasons' codes.
CREATE TABLE review_decisions (
    id          TEXT PRIMARY KEY,
    item_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    decision    TEXT NOT NULL,                -- approved | rejected
    reasons     TEXT,                         -- JSON, as stored with the item
    started_at  BIGINT NOT NULL,
    decided_at  BIGINT NOT NULL,
    decided_by  TEXT,
    appeal      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX review_decisions_at ON review_decisions(decided_at);

INSERT INTO review_decisions (id, item_id, kind, decision, reasons, started_at, decided_at, decided_by, appeal)
SELECT id, id, kind, status, reasons, submitted_at, decided_at, decided_by, 0
  FROM review_items WHERE status IN ('approved', 'rejected') AND decided_at IS NOT NULL;
