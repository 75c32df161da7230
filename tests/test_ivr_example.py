"""The README's example: unit tests of the IVR in examples/ivr, written with twimlc's call simulator."""

from twimlc.simulate import Call

IVR = "examples/ivr"


def test_sales_rings_the_desk() -> None:
    call = Call.start(IVR, entry="/incoming")
    assert "Press 1 for sales" in call.prompt
    call.press("1")
    assert call.waiting == "dial"
    call.dial_result("busy")
    assert call.heard[-1] == "Thanks for calling. Goodbye!"
    assert call.end_reason == "hangup"


def test_silence_twice_hangs_up() -> None:
    call = Call.start(IVR, entry="/incoming").silence()
    assert call.requests[-1].url == "/retry"
    call.silence()
    assert call.heard[-1] == "We could not hear you. Goodbye!"


def test_voicemail_posts_the_recording() -> None:
    call = Call.start(IVR, entry="/incoming", params={"From": "+442071838750"})
    call.press("3").record()
    request = call.requests[-1]
    assert request.url == "/saved"
    assert request.params["From"] == "+442071838750"
    assert request.params["RecordingUrl"].startswith("https://api.twilio.com/")


def test_a_wrong_key_is_caught() -> None:
    call = Call.start(IVR, entry="/incoming").press("9")
    assert [d.code for d in call.errors] == ["TWL707"]  # choice.twl takes Digits 1, 2 or 3
