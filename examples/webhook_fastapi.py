"""Answer a Twilio voice webhook from a twimlc template, with FastAPI.

    pip install fastapi python-multipart uvicorn twimlc && uvicorn examples.webhook_fastapi:app

Point your number's "A call comes in" webhook at https://<your host>/voice; the greeting's
<Gather> posts the key pressed to /menu.
"""

import logging
from pathlib import Path

from fastapi import FastAPI, Request, Response

import twimlc

app = FastAPI()
log = logging.getLogger(__name__)
# Parsed, checked and precompiled once, when the app starts.
GREETING = twimlc.load(Path(__file__).with_name("greeting.twl"))
# For a request whose values the template refuses (control characters, a name longer than
# Twilio reads out): the same greeting with the defaults. Twilio sends CallSid anyway.
FALLBACK = GREETING.render(call_sid="")
MENU = twimlc.load(Path(__file__).with_name("menu.twl"))  # Digits binds the keys pressed


@app.post("/voice")
async def voice(request: Request) -> Response:
    form = await request.form()
    caller, call_sid = form.get("CallerName"), form.get("CallSid")
    try:
        xml = GREETING.render(
            caller=caller if isinstance(caller, str) and caller else "friend",  # any text is escaped safely
            call_sid=call_sid if isinstance(call_sid, str) else "",  # (a file upload is not a value)
        )
    except twimlc.TwimlcError as e:  # says which parameter and why; values are quoted and cut short
        log.warning("voice webhook: answered with the fallback: %s", e)
        xml = FALLBACK
    return Response(xml, media_type="text/xml")


@app.post("/menu")
async def menu(request: Request) -> Response:
    digits = (await request.form()).get("Digits")
    try:
        # none pressed: the default
        xml = MENU.render(**({"Digits": digits} if isinstance(digits, str) and digits else {}))
    except twimlc.TwimlcError as e:  # keys that are not digits (a "#" or "*")
        log.warning("menu webhook: answered with the default: %s", e)
        xml = MENU.render()
    return Response(xml, media_type="text/xml")
