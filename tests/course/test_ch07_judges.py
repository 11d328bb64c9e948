"""Chapter 7's judges: the offline default, and the book's LLM judge spoken to over Ollama's chat API,
tested against a local fake server (never the internet)."""
import json
import socket

import pytest

import support

ENTRY = {"instruction": "Give the plural form of the word.", "input": "mouse", "output": "mice"}


@pytest.fixture(scope="module")
def evaluation():
    return support.solution("ch07", "evaluation")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def chat_reply(*pieces: str) -> bytes:
    """What Ollama streams back: one JSON object a line, the text in message.content."""
    lines = [{"model": "llama3", "message": {"role": "assistant", "content": p}, "done": False} for p in pieces]
    lines.append({"model": "llama3", "message": {"role": "assistant", "content": ""}, "done": True})
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


@pytest.mark.parametrize("response, score", [("mice", 100), ("Mice.", 100), ("", 0), ("mouses", 0),
                                             ("The plural is mice", 40), ("mice mice", 67)])
def test_overlap_judge(evaluation, response, score):
    assert evaluation.OverlapJudge().score(ENTRY, response) == score


def test_default_judge_needs_no_network(evaluation, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the default judge must not open a connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    data = [dict(ENTRY, model_response="mice"), dict(ENTRY, model_response="mouses")]
    assert evaluation.generate_model_scores(data, "model_response") == [100, 0]


def test_ollama_judge_asks_and_reads_the_score(evaluation, local_server):
    with local_server({"/api/chat": (200, chat_reply("8", "5"))}) as server:
        judge = evaluation.OllamaJudge(model="llama3", url=server.url("/api/chat"))
        assert judge.score(ENTRY, "mice") == 85
        method, path, body = server.requests[0]
    request = json.loads(body)
    assert (method, path, request["model"]) == ("POST", "/api/chat", "llama3")
    assert request["messages"] == [{"role": "user", "content": evaluation.judge_prompt(ENTRY, "mice")}]
    assert request["options"]["temperature"] == 0 and request["options"]["seed"] == 123


@pytest.mark.parametrize("reply", ["eighty", "Score: 85", "150", ""])
def test_unreadable_scores_are_none(evaluation, local_server, reply):
    with local_server({"/api/chat": (200, chat_reply(reply))}) as server:
        assert evaluation.OllamaJudge(url=server.url("/api/chat")).score(ENTRY, "mice") is None


def test_scores_with_the_llm_judge_skip_what_it_cannot_score(evaluation, local_server):
    replies = iter([chat_reply("90"), chat_reply("no idea"), chat_reply("10")])
    with local_server({}) as server:
        class Routes(dict):
            def get(self, path, default=None):
                return (200, next(replies)) if path == "/api/chat" else default
        server.routes = Routes()
        judge = evaluation.OllamaJudge(url=server.url("/api/chat"))
        data = [dict(ENTRY, model_response=r) for r in ("mice", "mouse", "mouses")]
        assert evaluation.generate_model_scores(data, "model_response", judge) == [90, 10]
        assert len(server.requests) == 3


def test_unreachable_judge_says_what_to_do(evaluation):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(evaluation.JudgeUnavailable, match="ollama serve"):
        evaluation.OllamaJudge(url=f"http://127.0.0.1:{port}/api/chat", timeout=5).score(ENTRY, "mice")


def test_missing_model_says_what_to_do(evaluation, local_server):
    with local_server({"/api/chat": (404, b'{"error": "model not found"}')}) as server:
        with pytest.raises(evaluation.JudgeUnavailable, match="ollama pull llama3"):
            evaluation.OllamaJudge(url=server.url("/api/chat")).score(ENTRY, "mice")


def test_wrong_protocol_is_named(evaluation, local_server):
    with local_server({"/api/chat": (200, b"<html>hello</html>\n")}) as server:
        with pytest.raises(evaluation.JudgeUnavailable, match="Ollama's chat format"):
            evaluation.OllamaJudge(url=server.url("/api/chat")).score(ENTRY, "mice")


BOOK_REQUEST = ("Given the input `{task}` and correct output `{output}`, score the model response `{response}` on a "
                "scale from 0 to 100, where 100 is the best score. Respond with the integer number only.")


def book_request(evaluation, entry, response):
    return BOOK_REQUEST.format(task=evaluation.format_input(entry), output=entry["output"], response=response)


@pytest.fixture
def refuse_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the offline judge must not open a connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("response, score", [("mice", "100"), ("mouses", "0"), ("The plural is `mice`", "40")])
def test_query_model_asks_the_offline_judge_by_default(evaluation, refuse_network, response, score):
    assert evaluation.query_model(book_request(evaluation, ENTRY, response)) == score
    assert evaluation.query_model(book_request(evaluation, ENTRY, response), "llama3") == score


@pytest.mark.parametrize("entry", [ENTRY, {"instruction": "Name a colour.", "input": "", "output": "red"}])
def test_offline_judge_reads_judge_prompts_request(evaluation, refuse_network, entry):
    request = evaluation.judge_prompt(entry, entry["output"])
    assert evaluation.read_request(request) == (entry["output"], entry["output"])
    assert evaluation.query_model(request) == "100"


def test_offline_judge_says_what_it_cannot_read(evaluation, refuse_network):
    reply = evaluation.query_model("What do Llamas eat?", "llama3")
    assert not reply.strip().isdigit() and "use_judge(OllamaJudge())" in reply


def test_query_model_asks_the_judge_it_is_handed(evaluation, refuse_network):
    class Judge:
        def reply(self, prompt):
            return f"asked: {prompt}"
    assert evaluation.query_model("How good?", Judge()) == "asked: How good?"
    with pytest.raises(TypeError, match="a model's name"):
        evaluation.query_model("How good?", object())


def test_use_judge_chooses_ollama_for_the_model_named(evaluation, local_server):
    with local_server({"/api/chat": (200, chat_reply("7", "0"))}) as server:
        evaluation.use_judge(evaluation.OllamaJudge(url=server.url("/api/chat")))
        try:
            assert evaluation.query_model("How good?", "phi3") == "70"
        finally:
            evaluation.use_judge()
        assert evaluation.query_model("How good?", "phi3", url=server.url("/api/chat")) == "70"
        assert [json.loads(body)["model"] for _, _, body in server.requests] == ["phi3", "phi3"]
    assert evaluation.query_model(book_request(evaluation, ENTRY, "mice")) == "100"   # use_judge(): offline again


def test_an_llm_judge_handed_in_the_models_place_is_asked(evaluation, local_server):
    """As the demo and the checks call the book's generate_model_scores: a judge where it expects a model's name."""
    with local_server({"/api/chat": (200, chat_reply("9", "0"))}) as server:
        judge = evaluation.OllamaJudge(model="phi3", url=server.url("/api/chat"))
        assert evaluation.query_model(book_request(evaluation, ENTRY, "mice"), judge) == "90"
        request = json.loads(server.requests[0][2])
    assert request["model"] == "phi3"
    assert request["messages"][0]["content"] == book_request(evaluation, ENTRY, "mice")
