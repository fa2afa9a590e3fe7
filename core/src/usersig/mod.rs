//! UserSig (TLSSigAPIv2). Filled in by the usersig work.
