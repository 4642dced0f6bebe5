"""Operator metrics (Prometheus), defined once for every layer that reports them.

Nothing here does I/O: ``bot.ops.metrics`` serves ``REGISTRY`` on ``[metrics] port`` when
configured. Label values are bounded (command names, routes, outcomes, error classes), so
the number of series stays small however many people use the bot.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

# Visible answers on this machine take milliseconds; Discord's deadline is 3 s.
_ANSWER_BUCKETS = (0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 10.0)
_STALL_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
_HASH_BUCKETS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)

INTERACTIONS = Counter(
    "microblog_interactions",
    "Interactions answered, by kind (command, button, form), name and outcome "
    "(ok; refused: a clear message such as a wrong password; error: a bug, apologised for).",
    ["kind", "name", "outcome"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "microblog_answer_seconds",
    "From Discord creating the interaction until the bot finished answering it (the visible "
    "answer is the last thing sent).",
    ["kind", "name"],
    buckets=_ANSWER_BUCKETS,
    registry=REGISTRY,
)
DEFERRALS = Counter(
    "microblog_deferrals",
    "Interactions first acknowledged with a defer (the answer followed later).",
    ["kind", "name"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "microblog_errors",
    "Failed interactions by the kind of error (the exception class).",
    ["kind"],
    registry=REGISTRY,
)
HASH_QUEUE = Gauge(
    "microblog_bcrypt_queue_length",
    "Password hashes waiting for or holding a bcrypt worker.",
    registry=REGISTRY,
)
HASH_SECONDS = Histogram(
    "microblog_bcrypt_seconds",
    "Time one bcrypt hash or check took in its worker.",
    buckets=_HASH_BUCKETS,
    registry=REGISTRY,
)
LOOP_STALL_SECONDS = Histogram(
    "microblog_event_loop_stall_seconds",
    "How late a 10 ms event-loop timer ran: the loop could run nothing else meanwhile.",
    buckets=_STALL_BUCKETS,
    registry=REGISTRY,
)
DIGEST_SENDS = Counter(
    "microblog_digest_sends",
    "Feed summaries sent to channels, by outcome (sent, paused, removed, retry).",
    ["outcome"],
    registry=REGISTRY,
)
DM_SENDS = Counter(
    "microblog_dm_sends",
    "Notification direct messages, by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
