//! callkit's test suite: the integration tests (`tests/`), the benchmarks (`benches/`) and
//! the examples that need heavy dependencies (`examples/`). This package exists so that
//! their dependencies (proptest, divan, ureq, surf, async-std...) stay out of the `callkit`
//! package, whose examples would otherwise link them all. Nothing is exported.
