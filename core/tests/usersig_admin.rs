//! AdminSigner reuse and renewal, with injected times.

use callkit_core::secret::SecretKey;
use callkit_core::usersig::{self, AdminSigner, GenerateError};

const APP: u32 = 1_400_000_000;
const T0: u64 = 1_700_000_000;

fn admin() -> AdminSigner {
    let key = SecretKey::new("admin-key").unwrap();
    AdminSigner::new(APP, &key, "administrator").unwrap()
}

fn issued_at(admin: &mut AdminSigner, now: u64) -> u64 {
    let sig = admin.usersig(now).unwrap().clone();
    let key = SecretKey::new("admin-key").unwrap();
    // The cached signature is genuine and still valid at `now`.
    usersig::verify_user_sig(APP, &key, "administrator", sig.as_str(), now)
        .unwrap()
        .time
}

#[test]
fn defaults_are_180_days_and_one_day_margin() {
    let a = admin();
    assert_eq!(a.expire(), usersig::DEFAULT_EXPIRE);
    assert_eq!(a.expire(), 15_552_000);
    assert_eq!(a.refresh_margin(), usersig::DEFAULT_REFRESH_MARGIN);
    assert_eq!(a.issued_at(), None);
}

#[test]
fn reuses_until_expire_minus_margin_then_renews() {
    let mut a = admin();
    let renew_at = T0 + usersig::DEFAULT_EXPIRE - usersig::DEFAULT_REFRESH_MARGIN;
    assert_eq!(issued_at(&mut a, T0), T0);
    assert_eq!(issued_at(&mut a, T0 + 1), T0, "reused a second later");
    assert_eq!(
        issued_at(&mut a, renew_at - 1),
        T0,
        "reused up to the margin"
    );
    assert_eq!(
        issued_at(&mut a, renew_at),
        renew_at,
        "renewed at the margin"
    );
    assert_eq!(a.issued_at(), Some(renew_at));
}

#[test]
fn a_clock_that_went_backwards_gets_a_fresh_signature() {
    let mut a = admin();
    assert_eq!(issued_at(&mut a, T0), T0);
    assert_eq!(issued_at(&mut a, T0 - 5), T0 - 5);
}

#[test]
fn invalidate_forces_renewal() {
    let mut a = admin().with_lifetime(3_600, 60).unwrap();
    assert_eq!(issued_at(&mut a, T0), T0);
    assert_eq!(issued_at(&mut a, T0 + 10), T0);
    a.invalidate();
    assert_eq!(a.issued_at(), None);
    assert_eq!(issued_at(&mut a, T0 + 10), T0 + 10);
}

#[test]
fn lifetime_is_validated_and_applied() {
    assert_eq!(
        admin().with_lifetime(60, 60).unwrap_err(),
        GenerateError::MarginNotBelowExpire
    );
    assert_eq!(
        admin().with_lifetime(0, 0).unwrap_err(),
        GenerateError::MarginNotBelowExpire
    );
    let mut a = admin().with_lifetime(100, 10).unwrap();
    assert_eq!(issued_at(&mut a, T0), T0);
    assert_eq!(issued_at(&mut a, T0 + 89), T0);
    assert_eq!(issued_at(&mut a, T0 + 90), T0 + 90);
    // Near the end of time the renewal point saturates instead of overflowing.
    let mut a = admin();
    assert_eq!(issued_at(&mut a, u64::MAX - 5), u64::MAX - 5);
    assert_eq!(issued_at(&mut a, u64::MAX), u64::MAX);
}

#[test]
fn construction_refuses_bad_inputs_and_debug_is_redacted() {
    let key = SecretKey::new("admin-key").unwrap();
    assert_eq!(
        AdminSigner::new(0, &key, "administrator").unwrap_err(),
        GenerateError::SdkAppIdZero
    );
    assert_eq!(
        AdminSigner::new(APP, &key, "").unwrap_err(),
        GenerateError::EmptyIdentifier
    );
    let mut a = admin();
    let sig = a.usersig(T0).unwrap().as_str().to_owned();
    let shown = format!("{a:?}");
    assert!(!shown.contains("admin-key"), "{shown}");
    assert!(!shown.contains(&sig[..16]), "{shown}");
    assert!(shown.contains("administrator"), "{shown}");
}
