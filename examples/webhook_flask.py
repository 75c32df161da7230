"""Answer a Twilio voice webhook from a twimlc template, with Flask.

    pip install flask twimlc && flask --app examples/webhook_flask.py run

Point your number's "A call comes in" webhook at https://<your host>/voice.
"""

from pathlib import Path

from flask import Flask, Response, request

import twimlc

app = Flask(__name__)
# Parsed, checked and precompiled once, when the app starts.
GREETING = twimlc.load(Path(__file__).with_name("greeting.twl"))


@app.post("/voice")
def voice() -> Response:
    xml = GREETING.render(
        caller=request.form.get("CallerName") or "friend",  # any text is escaped safely
        call_sid=request.form.get("CallSid", ""),
    )
    return Response(xml, mimetype="text/xml")
