"""Answer a Twilio voice webhook from a twimlc template, with FastAPI.

    pip install fastapi python-multipart uvicorn twimlc && uvicorn examples.webhook_fastapi:app

Point your number's "A call comes in" webhook at https://<your host>/voice.
"""

from pathlib import Path

from fastapi import FastAPI, Request, Response

import twimlc

app = FastAPI()
# Parsed, checked and precompiled once, when the app starts.
GREETING = twimlc.load(Path(__file__).with_name("greeting.twl"))


@app.post("/voice")
async def voice(request: Request) -> Response:
    form = await request.form()
    xml = GREETING.render(
        caller=str(form.get("CallerName") or "friend"),  # any text is escaped safely
        call_sid=str(form.get("CallSid", "")),
    )
    return Response(xml, media_type="text/xml")
