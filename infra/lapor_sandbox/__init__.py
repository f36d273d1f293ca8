"""A local stand-in for the national LAPOR! integration API (docs/lapor-contract.md):
seeded reports, an admin API under /_sandbox, and faults on demand.
Run: python -m infra.lapor_sandbox --port 8690 [--token T] [--reports 300] [--seed 2026]"""
