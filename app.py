"""Liaison's API: the Chalice app, its middleware and blueprints. No logic here."""

import gc

# A cold start imports some 640 modules, and their objects set off the cyclic garbage collector again and again
# while none of them is garbage: it is off until the app is built, then everything built is frozen out of later
# collections (`make bench`: a first request took 0.76 s with it on, 0.58 s so; first_request_ratio 2.09 to 1.42).
gc.disable()

from chalice import Chalice, ConvertToMiddleware

from chalicelib import events, schedules
from chalicelib.api import admin, authorities, documents, identity, notices, public, representatives
from chalicelib.api.middleware import correlate
from chalicelib.auth.authorizer import auth
from chalicelib.observability import logger, metrics, tracer
from chalicelib.web import (  # noqa: F401 - they declare their pages on console's blueprint
    admin_pages,
    apply_pages,
    console,
    desk_pages,
    officer_pages,
    portal_pages,
    receipt_pages,
)

app = Chalice(app_name="liaison", configure_logs=False)
app.api.binary_types.append("multipart/form-data")  # console uploads: the gateway hands their bytes over intact
# Powertools around every Lambda invocation: context in logs, metrics flushed, traced.
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
if tracer is not None:  # off unless POWERTOOLS_TRACE_DISABLED is false (see observability.tracer_if_enabled)
    app.register_middleware(ConvertToMiddleware(tracer.capture_lambda_handler))
app.register_middleware(correlate, "http")
app.register_blueprint(auth)
app.register_blueprint(public.routes.blueprint)
app.register_blueprint(identity.routes.blueprint)
app.register_blueprint(authorities.routes.blueprint)
app.register_blueprint(representatives.routes.blueprint)
app.register_blueprint(documents.routes.blueprint)
app.register_blueprint(notices.routes.blueprint)
app.register_blueprint(admin.routes.blueprint)
app.register_blueprint(console.blueprint)
app.register_blueprint(events.blueprint)  # queue consumers: their own functions, not routes
app.register_blueprint(schedules.blueprint)  # scheduled functions (the hourly audit checkpoint)

gc.enable()
gc.freeze()
