"""HTTP: blueprints, the route declaration helper and the OpenAPI document."""
