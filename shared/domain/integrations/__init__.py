"""What Sigap exchanges with other systems: the national LAPOR! platform, outbound webhooks,
notifications, Open311, URL safety and signatures. Pure."""
