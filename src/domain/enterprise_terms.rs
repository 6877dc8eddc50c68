//! The documents' terms as a verification's data holds them (`validity` has the rules).

use super::enterprise::EnterpriseData;
use super::validity::{self, Term, Validity};

impl EnterpriseData {
    pub fn license_term(&self) -> Term {
        Term::of(self.license_valid_until.as_deref(), self.license_long_term)
    }

    pub fn legal_rep_id_term(&self) -> Term {
        Term::of(
            self.legal_rep.id_valid_until.as_deref(),
            self.legal_rep.id_long_term,
        )
    }

    pub fn validity(&self) -> Validity {
        Validity {
            license: self.license_term(),
            legal_rep_id: self.legal_rep_id_term(),
        }
    }

    /// Sets both terms.
    pub fn set_validity(&mut self, v: Validity) {
        (self.license_valid_until, self.license_long_term) = validity::stored(v.license);
        (self.legal_rep.id_valid_until, self.legal_rep.id_long_term) =
            validity::stored(v.legal_rep_id);
    }
}
