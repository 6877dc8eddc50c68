-- Which client asked for the live code (a keyed hash of the account and the client's address):
-- while strangers spend an address's budget of wrong codes, the client that asked for the code
-- may still type it (workflows::limits::GuessBudgets).
ALTER TABLE account_codes ADD COLUMN requester_key TEXT;
