"""A local stand-in for the national LAPOR! integration API (docs/lapor-contract.md):
seeded reports, the city's unit accounts, an admin API under /_sandbox (faults on demand,
a settable clock, and acting as a unit, the city admin or the reporter on LAPOR!).
Run: python -m infra.lapor_sandbox --port 8690 [--token T] [--reports 300] [--seed 2026]"""
