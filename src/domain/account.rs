//! Accounts: e-mail addresses, passwords, roles and the account's life cycle.

use std::fmt;

use super::review::ReviewKind;

/// A syntactically valid e-mail address, trimmed and lower-cased.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, &'static str> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("required");
        }
        if s.chars().count() > 254 {
            return Err("too_long");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("email");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(s))
        } else {
            Err("email")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// A password of acceptable length. Debug never shows it.
pub struct Password(String);

impl Password {
    pub fn parse(input: &str) -> Result<Password, &'static str> {
        let n = input.chars().count();
        if n == 0 {
            Err("required")
        } else if n < PASSWORD_MIN {
            Err("too_short")
        } else if n > PASSWORD_MAX {
            Err("too_long")
        } else {
            Ok(Password(input.to_string()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// What an account may do. Staff roles split the back office by risk: `Reviewer` decides
/// verifications, applications, products and answers consultations; `Finance` pays
/// micro-deposits and decides settlement changes (the bank-detail fraud surface); `Admin`
/// manages staff, the catalog, settings and automatic-approval rules. No role implies another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Provider,
    Reviewer,
    Finance,
    Admin,
}

impl Role {
    /// The staff roles, in the order pages list them.
    pub const STAFF: [Role; 3] = [Role::Reviewer, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::Reviewer => "reviewer",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "provider" => Some(Role::Provider),
            "reviewer" => Some(Role::Reviewer),
            "finance" => Some(Role::Finance),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The staff roles a person asks for by name (the CLI, the invitation form, the API): `reviewer`,
/// `finance`, `admin`, and the former `operator`, which means reviewer + finance. Empty names
/// are skipped; an unknown name is the error (its text).
pub fn parse_staff_roles<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Roles, String> {
    let mut roles = Roles::default();
    for name in names.into_iter().flat_map(|n| n.split(',')) {
        let name = name.trim();
        match name {
            "" => {}
            "operator" => {
                roles.grant(Role::Reviewer);
                roles.grant(Role::Finance);
            }
            _ => match Role::parse(name) {
                Some(r) if r != Role::Provider => {
                    roles.grant(r);
                }
                _ => return Err(name.to_string()),
            },
        }
    }
    Ok(roles)
}

/// The set of roles an account holds, stored as a comma-separated list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn one(role: Role) -> Roles {
        Roles(vec![role])
    }

    pub fn of(roles: &[Role]) -> Roles {
        let mut v = roles.to_vec();
        v.sort();
        v.dedup();
        Roles(v)
    }

    /// What `operator` meant before roles were split: reviewer + finance.
    pub fn operator() -> Roles {
        Roles::of(&[Role::Reviewer, Role::Finance])
    }

    /// Reads the stored list; a stored `operator` (from before migration 0016) reads as
    /// reviewer + finance.
    pub fn parse_stored(s: &str) -> Roles {
        let mut v: Vec<Role> = Vec::new();
        for name in s.split(',') {
            if name.trim() == "operator" {
                v.extend([Role::Reviewer, Role::Finance]);
            } else if let Some(r) = Role::parse(name) {
                v.push(r);
            }
        }
        Roles::of(&v)
    }

    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|r| r.as_str()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Staff: any of reviewer, finance, admin. Staff sign in with a second factor, see the
    /// console, the queue and the audit log; what they may *do* there is `may`.
    pub fn is_staff(&self) -> bool {
        Role::STAFF.iter().any(|r| self.has(*r))
    }

    /// Kept for the callers that mean "any staff" (the console, the queue, documents).
    pub fn can_review(&self) -> bool {
        self.is_staff()
    }

    /// Whether these roles may decide items of `kind`: settlement changes are finance's,
    /// everything else is the reviewers'.
    pub fn can_decide(&self, kind: ReviewKind) -> bool {
        self.has(Role::for_kind(kind))
    }

    /// Whether these roles may do `action`.
    pub fn may(&self, action: StaffAction) -> bool {
        self.has(action.role())
    }

    /// Staff sign in with a second factor; providers may.
    pub fn needs_second_factor(&self) -> bool {
        self.is_staff()
    }

    /// Adds a role; false when it was already held.
    pub fn grant(&mut self, role: Role) -> bool {
        if self.has(role) {
            return false;
        }
        self.0.push(role);
        self.0.sort();
        true
    }

    /// Removes a role; false when it was not held.
    pub fn revoke(&mut self, role: Role) -> bool {
        let before = self.0.len();
        self.0.retain(|r| *r != role);
        self.0.len() != before
    }

    /// These roles with the staff roles replaced by `staff` (a provider role stays).
    pub fn with_staff(&self, staff: &Roles) -> Roles {
        let mut v: Vec<Role> = self.iter().filter(|r| *r == Role::Provider).collect();
        v.extend(staff.iter().filter(|r| *r != Role::Provider));
        Roles::of(&v)
    }
}

impl Role {
    /// The role that decides items of `kind`.
    pub fn for_kind(kind: ReviewKind) -> Role {
        match kind {
            ReviewKind::SettlementChange => Role::Finance,
            ReviewKind::EnterpriseVerification
            | ReviewKind::PartnerApplication
            | ReviewKind::Product => Role::Reviewer,
        }
    }
}

/// The staff actions outside the decisions on review items, each held by one role (the role
/// table in `docs/STAFF.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    /// Pay (record) a micro-deposit and see its amount.
    PayMicroDeposit,
    /// Answer a consultation.
    AnswerConsultation,
    /// Suspend or reinstate a provider.
    ProviderStanding,
    /// Edit the catalog (categories, service types).
    EditCatalog,
    /// Invite staff, change their roles, deactivate them.
    ManageStaff,
    /// Turn automatic-approval rules on and off.
    ManageRules,
    /// Keep the library of rejection reasons (add, edit, retire).
    ManageReasons,
    /// Read the review report (throughput, time to decision, reasons).
    ReadReport,
    /// Publish a new version of the provider agreement.
    PublishAgreements,
    /// Record category-deposit payments and deductions (the ledger).
    RecordDeposit,
}

impl StaffAction {
    pub fn role(self) -> Role {
        match self {
            StaffAction::PayMicroDeposit | StaffAction::RecordDeposit => Role::Finance,
            StaffAction::AnswerConsultation | StaffAction::ProviderStanding => Role::Reviewer,
            StaffAction::EditCatalog
            | StaffAction::ManageStaff
            | StaffAction::ManageRules
            | StaffAction::ManageReasons
            | StaffAction::ReadReport
            | StaffAction::PublishAgreements => Role::Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    PendingActivation,
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::PendingActivation => "pending_activation",
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<AccountStatus> {
        match s {
            "pending_activation" => Some(AccountStatus::PendingActivation),
            "active" => Some(AccountStatus::Active),
            "disabled" => Some(AccountStatus::Disabled),
            _ => None,
        }
    }
}

/// A one-time code's purpose; each account has at most one live code per purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    Activation,
    PasswordReset,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::Activation => "activation",
            CodePurpose::PasswordReset => "password_reset",
        }
    }
}

/// Codes last 15 minutes; wrong tries are limited per address and client, across codes
/// (`workflows::limits`).
pub const CODE_TTL_MS: i64 = 15 * 60 * 1000;

/// A six-digit code as typed by a person (spaces tolerated).
pub fn parse_code(input: &str) -> Result<String, &'static str> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        Err("required")
    } else if s.len() == 6 && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s)
    } else {
        Err("code_format")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Li.Lei@Example.COM ").map(|e| e.0),
            Ok("li.lei@example.com".into())
        );
        for bad in [
            "", "a", "a@b", "@b.cn", "a@.cn", "a b@c.cn", "a@b..cn", ".a@b.cn", "a@-b.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse("王@例子.中国").is_ok());
    }

    #[test]
    fn password_lengths_count_characters() {
        assert_eq!(Password::parse("123456789").err(), Some("too_short"));
        assert!(Password::parse("1234567890").is_ok());
        assert!(Password::parse(&"密".repeat(10)).is_ok());
        assert_eq!(Password::parse(&"a".repeat(129)).err(), Some("too_long"));
        assert!(Password::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-secret").ok()),
            "Some(Password(***))"
        );
    }

    #[test]
    fn roles_round_trip() {
        let mut r = Roles::parse_stored("operator,provider,bogus");
        assert_eq!(r.to_stored(), "provider,reviewer,finance");
        assert!(r.is_staff());
        assert!(!r.grant(Role::Reviewer));
        assert!(r.grant(Role::Admin));
        assert_eq!(r.names(), vec!["provider", "reviewer", "finance", "admin"]);
        assert!(r.revoke(Role::Admin));
        assert!(!r.revoke(Role::Admin));
    }

    #[test]
    fn the_role_table() {
        let reviewer = Roles::one(Role::Reviewer);
        let finance = Roles::one(Role::Finance);
        let admin = Roles::one(Role::Admin);
        let provider = Roles::one(Role::Provider);
        for kind in ReviewKind::ALL {
            let settlement = kind == ReviewKind::SettlementChange;
            assert_eq!(reviewer.can_decide(kind), !settlement, "{kind:?}");
            assert_eq!(finance.can_decide(kind), settlement, "{kind:?}");
            assert!(!admin.can_decide(kind) && !provider.can_decide(kind));
        }
        assert!(finance.may(StaffAction::PayMicroDeposit));
        assert!(!reviewer.may(StaffAction::PayMicroDeposit));
        assert!(admin.may(StaffAction::ManageStaff) && !reviewer.may(StaffAction::ManageStaff));
        assert!(!provider.is_staff() && admin.is_staff() && finance.needs_second_factor());
    }

    #[test]
    fn staff_roles_by_name() {
        assert_eq!(parse_staff_roles(["operator"]), Ok(Roles::operator()));
        assert_eq!(
            parse_staff_roles(["reviewer, admin", "finance"]).map(|r| r.to_stored()),
            Ok("reviewer,finance,admin".into())
        );
        assert_eq!(parse_staff_roles(["provider"]), Err("provider".into()));
        assert_eq!(parse_staff_roles(["boss"]), Err("boss".into()));
        let kept = Roles::of(&[Role::Provider, Role::Admin]).with_staff(&Roles::one(Role::Finance));
        assert_eq!(kept.to_stored(), "provider,finance");
    }

    #[test]
    fn codes() {
        assert_eq!(parse_code(" 123 456 "), Ok("123456".into()));
        assert_eq!(parse_code("12345"), Err("code_format"));
        assert_eq!(parse_code("12345a"), Err("code_format"));
    }

    proptest! {
        #[test]
        fn parsed_emails_are_normalised(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,10}\\.[a-z]{2,5}") {
            let e = Email::parse(&format!(" {}@{} ", local.to_uppercase(), domain)).expect("valid");
            prop_assert_eq!(e.as_str(), format!("{local}@{domain}"));
        }

        #[test]
        fn password_length_rule(s in "\\PC{0,140}") {
            let n = s.chars().count();
            prop_assert_eq!(Password::parse(&s).is_ok(), (PASSWORD_MIN..=PASSWORD_MAX).contains(&n));
        }
    }
}
