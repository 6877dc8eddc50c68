//! Accounts: e-mail addresses, passwords, roles and the account's life cycle.

use std::fmt;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Provider,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "provider" => Some(Role::Provider),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The set of roles an account holds, stored as a comma-separated list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn one(role: Role) -> Roles {
        Roles(vec![role])
    }

    pub fn parse_stored(s: &str) -> Roles {
        let mut v: Vec<Role> = s.split(',').filter_map(Role::parse).collect();
        v.sort();
        v.dedup();
        Roles(v)
    }

    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|r| r.as_str()).collect()
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Operators and admins may review; admins are operators too.
    pub fn can_review(&self) -> bool {
        self.has(Role::Operator) || self.has(Role::Admin)
    }

    /// Staff sign in with a second factor; providers may.
    pub fn needs_second_factor(&self) -> bool {
        self.can_review()
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
        assert_eq!(r.to_stored(), "provider,operator");
        assert!(r.can_review());
        assert!(!r.grant(Role::Operator));
        assert!(r.grant(Role::Admin));
        assert_eq!(r.names(), vec!["provider", "operator", "admin"]);
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
