"""Add-ons: sidecar containers whose data lives on a named volume labelled with the
attachment (plan, name, config vars), so labels alone say what an app has."""
