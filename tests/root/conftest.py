"""Tests that need root on this machine but not the lab: a scratch network namespace for tc, a
real upsd on loopback. `make test` runs them (tier `root-test`); `make check` does not."""
