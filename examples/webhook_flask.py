"""Answer a Twilio voice webhook from a twimlc template, with Flask.

    pip install flask twimlc && flask --app examples/webhook_flask.py run

Point your number's "A call comes in" webhook at https://<your host>/voice; the greeting's
<Gather> posts the key pressed to /menu.
"""

import logging
from pathlib import Path

from flask import Flask, Response, request

import twimlc

app = Flask(__name__)
log = logging.getLogger(__name__)
# Parsed, checked and precompiled once, when the app starts.
GREETING = twimlc.load(Path(__file__).with_name("greeting.twl"))
# For a request whose values the template refuses (control characters, a name longer than
# Twilio reads out): the same greeting with the defaults. Twilio sends CallSid anyway.
FALLBACK = GREETING.render(call_sid="")
MENU = twimlc.load(Path(__file__).with_name("menu.twl"))  # Digits binds the keys pressed


@app.post("/voice")
def voice() -> Response:
    try:
        xml = GREETING.render(
            caller=request.form.get("CallerName") or "friend",  # any text is escaped safely
            call_sid=request.form.get("CallSid", ""),
        )
    except twimlc.TwimlcError as e:  # says which parameter and why; values are quoted and cut short
        log.warning("voice webhook: answered with the fallback: %s", e)
        xml = FALLBACK
    return Response(xml, mimetype="text/xml")


@app.post("/menu")
def menu() -> Response:
    digits = request.form.get("Digits", "")
    try:
        xml = MENU.render(**({"Digits": digits} if digits else {}))  # none pressed: the default
    except twimlc.TwimlcError as e:  # keys that are not digits (a "#" or "*")
        log.warning("menu webhook: answered with the default: %s", e)
        xml = MENU.render()
    return Response(xml, mimetype="text/xml")
