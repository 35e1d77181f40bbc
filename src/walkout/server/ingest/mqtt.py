"""MQTT ingestion (paho-mqtt): devices publish one event-log record per message,
QoS 1, on ``PREFIX/STORE/KIND/DEVICE`` (docs/server.md). The server
acknowledges a message (PUBACK) only once its record is in the durable log, so
a message the server had not made durable when it died is redelivered by the
broker (persistent session) or resent by the device, and logged once
(dedupe by device and seq)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from walkout.eventlog import binary
from walkout.server.ingest.port import Appended
from walkout.server.ingest.service import Ingestor
from walkout.server.ingest.validate import DEVICE_KINDS, Rejected, parse_binary, parse_json
from walkout.server.logs import log

RECEIVE_MAXIMUM = 65535
BATCH = "batch"  # PREFIX/STORE/batch/GATEWAY: a store gateway's records, a JSON array or binary
ACK_IDLE_S = 0.02  # durable messages are acknowledged at the latest this long after


def topic_for(prefix: str, store: str, kind: str, device: str) -> str:
    return f"{prefix}/{store}/{kind}/{device}"


class MqttIngest:
    def __init__(
        self,
        ingestor: Ingestor,
        host: str = "127.0.0.1",
        port: int = 1883,
        prefix: str = "walkout",
        clock: Callable[[], float] = time.time,
        client_id: str | None = None,
        session_s: int = 86400,
    ):
        self.ingestor = ingestor
        self.prefix = prefix
        self.clock = clock
        self.host, self.port = host, port
        self.session_s = session_s
        self._acks: deque[tuple[int, int, float]] = deque()
        self._stop = threading.Event()
        self._acker_thread = threading.Thread(target=self._acker, name="mqtt-acker", daemon=True)
        self.connected = threading.Event()
        self.received = 0
        # MQTT 5, so that we set the Receive Maximum: the broker may have that many
        # messages unacknowledged to us. With MQTT 3's fixed window (Mosquitto's
        # max_inflight_messages, 20) a burst overflows the broker's queue for us
        # (max_queued_messages, 1000) and the broker drops QoS 1 messages.
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id or f"walkout-server-{prefix}",
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def start(self, wait_s: float = 10.0) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_s  # the broker keeps our session across restarts
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=props
        )
        self.client.loop_start()
        self._acker_thread.start()
        if not self.connected.wait(wait_s):
            log.warning(
                "MQTT broker not reachable yet; retrying in the background",
                host=self.host,
                port=self.port,
            )

    def stop(self) -> None:
        self._stop.set()
        self._drain_acks()
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if getattr(rc, "is_failure", False):
            log.error("MQTT connect refused", reason=str(rc))
            return
        client.subscribe(f"{self.prefix}/+/+/+", qos=1)
        self.connected.set()
        log.info("MQTT connected", host=self.host, port=self.port, topics=f"{self.prefix}/+/+/+")

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        self.connected.clear()
        log.warning("MQTT disconnected; reconnecting", reason=str(rc))

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.received += 1
        mid, qos = msg.mid, msg.qos
        parts = msg.topic.split("/")
        store = parts[1] if len(parts) == 4 else None
        try:
            if len(parts) != 4 or parts[0] != self.prefix:
                raise Rejected(f"topic {msg.topic!r} is not {self.prefix}/STORE/KIND/DEVICE")
            _, store, kind, device = parts
            if kind not in DEVICE_KINDS and kind != BATCH:
                raise Rejected(
                    f"unknown record kind {kind!r} in topic (one of {', '.join(DEVICE_KINDS)}, or {BATCH})"
                )
            if kind == BATCH and msg.payload.startswith(binary.MAGIC):
                obj = parse_binary(msg.payload)
            else:
                obj = parse_json(msg.payload)
            if kind == BATCH and not isinstance(obj, list):
                raise Rejected("a batch message must be a JSON array of records or a binary batch")
        except Rejected as e:
            self.ingestor.dead_letter(store, "mqtt", msg.topic, str(e), msg.payload)
            self._acks.append((mid, qos, time.monotonic()))  # a dead letter: no resending
            return
        self._drain_acks()

        def durable(res: Appended | BaseException | None) -> None:
            if isinstance(res, BaseException):  # not durable: no PUBACK, the broker redelivers
                log.error("record not logged", topic=msg.topic, error=str(res))
                return
            if res is not None and res.duplicates:
                self.ingestor.metrics.duplicates.labels(store).inc(res.duplicates)
            self._acks.append((mid, qos, time.monotonic()))

        if kind == BATCH:
            self._batch(store, obj, msg, durable)
            return
        self.ingestor.submit_one(store, obj, "mqtt", msg.topic, kind, device, msg.payload, durable)

    def _batch(self, store: str, objs: list[Any], msg: mqtt.MQTTMessage, durable: Any) -> None:
        """A store gateway's batch: its good records are logged, its bad ones are dead
        letters, and the message is acknowledged once the good ones are durable."""
        sub = self.ingestor.submit(store, objs, "mqtt", msg.topic)
        if sub.appended is None:
            durable(None)
            return
        sub.appended.add_done_callback(lambda f: durable(f.exception() or f.result()))

    def _drain_acks(self) -> None:
        """PUBACK what is durable. Called on the network thread (cheap: no wake-up of
        the loop), and by the acker when messages stop coming."""
        while True:
            try:
                mid, qos, _ = self._acks.popleft()
            except IndexError:
                return
            self.client.ack(mid, qos)

    def _acker(self) -> None:
        while not self._stop.wait(ACK_IDLE_S):
            if self._acks and time.monotonic() - self._acks[0][2] >= ACK_IDLE_S:
                self._drain_acks()


class MqttPublisher:
    """A device side for tests, benchmarks and the twin: publishes records at QoS 1
    and counts broker acknowledgements."""

    def __init__(self, host: str, port: int, prefix: str, store: str, client_id: str = ""):
        self.prefix, self.store = prefix, store
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.acked = 0
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()

    def _on_publish(self, *_a: Any) -> None:
        with self._lock:
            self.acked += 1

    def publish(self, rec: Any, payload: bytes) -> None:
        self.client.publish(
            topic_for(self.prefix, self.store, rec.kind, rec.device), payload, qos=1
        )

    def publish_batch(self, gateway: str, payload: bytes) -> None:
        self.client.publish(topic_for(self.prefix, self.store, BATCH, gateway), payload, qos=1)

    def publish_raw(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1)

    def wait(self, n: int, timeout: float = 60.0) -> bool:
        t0 = time.monotonic()
        while self.acked < n:
            if time.monotonic() - t0 > timeout:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
