"""The embedded local stack: moto in server mode, resources from the template, demo data."""
