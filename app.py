"""Liaison's API: the Chalice app, its middleware and blueprints. No logic here."""

from chalice import Chalice

from chalicelib.api import identity, public
from chalicelib.api.middleware import correlate
from chalicelib.auth.authorizer import auth

app = Chalice(app_name="liaison", configure_logs=False)
app.register_middleware(correlate, "http")
app.register_blueprint(auth)
app.register_blueprint(public.routes.blueprint)
app.register_blueprint(identity.routes.blueprint)
