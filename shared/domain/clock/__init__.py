"""Clock and escalation: the working-day calendar, a case's deadlines, the escalation policy
and its steps, the daily digest. Pure."""
