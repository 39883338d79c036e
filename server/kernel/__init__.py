"""What every feature uses: the unit of work, errors, rate limits, security, contacts, housekeeping."""
