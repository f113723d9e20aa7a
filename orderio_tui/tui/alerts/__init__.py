"""The alerts screen and the form of one alert (SPEC §16)."""
