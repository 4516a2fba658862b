#!/usr/bin/env python3
"""A whole orderpool financing from Python, with stubs generated from proto/.

What a new Python user does: generate the stubs with protoc and
grpc_python_plugin (Debian: protobuf-compiler, protobuf-compiler-grpc,
libprotobuf-dev for the well-known types; runtime python3-grpcio and
python3-protobuf), then call the server. This script does exactly that and
then runs a financing end to end against a running orderpool:

  * it serves a LenderGatewayService and a MerchantNotifierService itself
    (the generated servicer classes), on --gateway-listen; start orderpool
    with --notifier pointing there;
  * upserts a lender whose gateway_target is that address;
  * records orders, watches the merchant (WatchMerchant, replay then live);
  * decodes the google.rpc.Status / ErrorInfo of two bad requests from the
    grpc-status-details-bin trailer;
  * requests financing (above the lender's verification threshold), reads
    the one-time code off its own notifier, verifies, checks the lender was
    told to disburse, confirms, completes pooled orders until REPAID;
  * checks the lender received repayments adding up to what was repaid, the
    FinancingClosed call, and that the watched events are numbered 1, 2, 3...
    without a gap up to the merchant's last_sequence.

Usage (scripts/python-client-check.sh does all of it):
  /usr/bin/python3 clients/python/run_financing.py --target 127.0.0.1:50051 \\
      --gateway-listen 127.0.0.1:50061 [--token TOKEN] [--gen-dir DIR]

Exit status 0 when every check passed, 1 otherwise.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'proto'))
PROTOS = ['orderpool/v1/orderpool.proto', 'google/rpc/status.proto', 'google/rpc/error_details.proto']


def generate(out_dir):
    """protoc --python_out --grpc_out for the service and google.rpc protos."""
    plugin = shutil.which('grpc_python_plugin') or '/usr/bin/grpc_python_plugin'
    cmd = ['protoc', '-I', PROTO_DIR, '--python_out=' + out_dir, '--grpc_out=' + out_dir,
           '--plugin=protoc-gen-grpc=' + plugin] + [os.path.join(PROTO_DIR, p) for p in PROTOS]
    subprocess.run(cmd, check=True)
    print('generated Python stubs in %s: %s' % (out_dir, ' '.join(sorted(
        os.path.relpath(os.path.join(d, f), out_dir) for d, _, fs in os.walk(out_dir) for f in fs if f.endswith('.py')))))


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)
    print('  ok: ' + what)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--target', required=True, help='orderpool host:port')
    ap.add_argument('--gateway-listen', required=True, help='host:port to serve the fake lender gateway and notifier on')
    ap.add_argument('--token', default='', help='bearer token (a principal with admin, platform, merchant:<id> and lender:<id> roles)')
    ap.add_argument('--merchant-id', default='', help='merchant id (default: a fresh one)')
    ap.add_argument('--lender-id', default='PY-L1')
    ap.add_argument('--gen-dir', default='', help='where to generate the stubs (default: a temporary directory)')
    args = ap.parse_args()

    gen_dir = args.gen_dir or tempfile.mkdtemp(prefix='orderpool-py-')
    os.makedirs(gen_dir, exist_ok=True)
    try:
        generate(gen_dir)
        sys.path.insert(0, gen_dir)
        return run(args)
    except CheckFailed as e:
        print('FAILED: ' + str(e), file=sys.stderr)
        return 1
    finally:
        if not args.gen_dir:
            shutil.rmtree(gen_dir, ignore_errors=True)


def run(args):
    import grpc
    from google.rpc import error_details_pb2, status_pb2
    from orderpool.v1 import orderpool_pb2 as pb
    from orderpool.v1 import orderpool_pb2_grpc as pb_grpc

    FS = pb.FinancingState
    merchant = args.merchant_id or 'PY-M-' + uuid.uuid4().hex[:12]
    lender_id = args.lender_id
    md = [('authorization', 'Bearer ' + args.token)] if args.token else []
    usd = lambda n: pb.Money(currency_code='USD', minor_units=n)

    # --- the lender's gateway and the platform's notifier, served from Python
    class Gateway(pb_grpc.LenderGatewayServiceServicer, pb_grpc.MerchantNotifierServiceServicer):
        def __init__(self):
            self.cond = threading.Condition()
            self.calls = []   # (method, request), duplicates included
            self.by_key = {}  # idempotency_key -> (method, request): what a deduplicating lender keeps

        def _record(self, method, req):
            with self.cond:
                self.calls.append((method, req))
                self.by_key.setdefault(req.idempotency_key, (method, req))
                self.cond.notify_all()

        def wait_for(self, method, financing_id, timeout=15.0):
            def found():
                return next((r for m, r in self.calls if m == method and r.financing_id == financing_id), None)
            with self.cond:
                r = self.cond.wait_for(found, timeout)
            if r is None:
                raise CheckFailed('%s for %s did not arrive within %ss' % (method, financing_id, timeout))
            return r

        def AuthorizeDisbursement(self, req, ctx):
            self._record('AuthorizeDisbursement', req)
            return pb.AuthorizeDisbursementResponse()

        def ReceiveRepayment(self, req, ctx):
            self._record('ReceiveRepayment', req)
            return pb.ReceiveRepaymentResponse()

        def ReceiveCoverageAlert(self, req, ctx):
            self._record('ReceiveCoverageAlert', req)
            return pb.ReceiveCoverageAlertResponse()

        def ReceiveFinancingClosed(self, req, ctx):
            self._record('ReceiveFinancingClosed', req)
            return pb.ReceiveFinancingClosedResponse()

        def SendVerificationCode(self, req, ctx):
            self._record('SendVerificationCode', req)
            return pb.SendVerificationCodeResponse()

    gw = Gateway()
    gw_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_LenderGatewayServiceServicer_to_server(gw, gw_server)
    pb_grpc.add_MerchantNotifierServiceServicer_to_server(gw, gw_server)
    if gw_server.add_insecure_port(args.gateway_listen) == 0:
        raise CheckFailed('could not listen on ' + args.gateway_listen)
    gw_server.start()

    channel = grpc.insecure_channel(args.target)
    watch = None
    try:
        grpc.channel_ready_future(channel).result(timeout=20)
        api = pb_grpc.OrderPoolServiceStub(channel)
        admin = pb_grpc.LenderAdminServiceStub(channel)

        def error_info(err):
            """google.rpc.Status and its ErrorInfo, from the grpc-status-details-bin trailer."""
            for key, value in err.trailing_metadata() or ():
                if key == 'grpc-status-details-bin':
                    status = status_pb2.Status.FromString(value)
                    for any_ in status.details:
                        if any_.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                            info = error_details_pb2.ErrorInfo()
                            any_.Unpack(info)
                            return status, info
                    return status, None
            return None, None

        def expect_error(fn, req, code, reason):
            try:
                fn(req, metadata=md)
            except grpc.RpcError as err:
                status, info = error_info(err)
                print('  %s -> %s %s (ErrorInfo reason=%s domain=%s metadata=%s)' % (
                    type(req).__name__, err.code().name, err.details(), info and info.reason, info and info.domain,
                    dict(info.metadata) if info else {}))
                for any_ in (status.details if status else []):
                    if any_.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                        br = error_details_pb2.BadRequest()
                        any_.Unpack(br)
                        print('    BadRequest: ' + '; '.join('%s: %s' % (v.field, v.description) for v in br.field_violations))
                check(err.code() == code and info is not None and info.reason == reason and info.domain == 'orderpool.v1',
                      'error is %s / %s (domain orderpool.v1)' % (code.name, reason))
                check(status.code == code.value[0], 'google.rpc.Status.code matches the gRPC code')
                return
            raise CheckFailed('%s succeeded; expected %s' % (type(req).__name__, reason))

        print('lender %s -> gateway %s; merchant %s' % (lender_id, args.gateway_listen, merchant))
        lender = admin.UpsertLender(pb.UpsertLenderRequest(lender=pb.Lender(
            lender_id=lender_id, gateway_target=args.gateway_listen, advance_rate_bps=8000, repayment_share_bps=5000,
            fee_bps=200, verification_threshold=usd(50000), min_completed_orders=0)), metadata=md)
        check(lender.gateway_target == args.gateway_listen, 'UpsertLender returned the lender')

        for i in range(1, 7):
            o = api.RecordOrder(pb.RecordOrderRequest(merchant_id=merchant, order_id='O%d' % i, buyer_id='B%d' % i,
                                                      amount=usd(20000)), metadata=md)
            check(o.state == pb.ORDER_STATE_OPEN, 'RecordOrder O%d: OPEN, %d %s' % (i, o.amount.minor_units, o.amount.currency_code))

        # Watch from the first event: replay, then live.
        events, watch_error = [], []
        watch = api.WatchMerchant(pb.WatchMerchantRequest(merchant_id=merchant, from_sequence=1), metadata=md)
        watch_cond = threading.Condition()

        def follow():
            try:
                for ev in watch:
                    with watch_cond:
                        events.append(ev)
                        watch_cond.notify_all()
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.CANCELLED:
                    watch_error.append(err)
                with watch_cond:
                    watch_cond.notify_all()
        watcher = threading.Thread(target=follow, daemon=True)
        watcher.start()

        print('bad requests:')
        expect_error(api.RecordOrder, pb.RecordOrderRequest(merchant_id=merchant, order_id='BAD', buyer_id='B',
                                                            amount=usd(-5)), grpc.StatusCode.INVALID_ARGUMENT, 'INVALID_AMOUNT')
        expect_error(api.GetOrder, pb.GetOrderRequest(merchant_id=merchant, order_id='no-such-order'),
                     grpc.StatusCode.NOT_FOUND, 'ORDER_NOT_FOUND')

        f = api.RequestFinancing(pb.RequestFinancingRequest(merchant_id=merchant, lender_id=lender_id, amount=usd(40000),
                                                            request_id='req-' + uuid.uuid4().hex[:8]), metadata=md)
        fid = f.financing_id
        print('RequestFinancing %s: %s, pool %d (%d orders), approved %d, fee %d' % (
            fid, FS.Name(f.state), f.pool_total.minor_units, f.pool_order_count, f.approved.minor_units, f.fee.minor_units))
        check(f.state == pb.FINANCING_STATE_AWAITING_VERIFICATION, 'the pool is above the threshold: AWAITING_VERIFICATION')
        check((f.approved.minor_units, f.fee.minor_units) == (40000, 800), 'approved 40000, fee 800')

        code = gw.wait_for('SendVerificationCode', fid).code
        print('  the notifier received a %d-digit code' % len(code))
        f = api.VerifyFinancing(pb.VerifyFinancingRequest(merchant_id=merchant, financing_id=fid, code=code), metadata=md)
        check(f.state == pb.FINANCING_STATE_NOTIFIED, 'VerifyFinancing: NOTIFIED')
        auth = gw.wait_for('AuthorizeDisbursement', fid)
        check(auth.amount.minor_units == 40000, 'the lender gateway got AuthorizeDisbursement for 40000')

        f = api.ConfirmDisbursement(pb.ConfirmDisbursementRequest(merchant_id=merchant, financing_id=fid, lender_id=lender_id,
                                                                  amount=usd(40000), lender_reference='py-wire-1'), metadata=md)
        check(f.state == pb.FINANCING_STATE_SETTLING and f.outstanding.minor_units == 40800, 'ConfirmDisbursement: SETTLING, outstanding 40800')

        for _ in range(20):
            if f.state != pb.FINANCING_STATE_SETTLING:
                break
            pool = api.ListPoolOrders(pb.ListPoolOrdersRequest(merchant_id=merchant, financing_id=fid, page_size=10), metadata=md)
            o = api.CompleteOrder(pb.CompleteOrderRequest(merchant_id=merchant, order_id=pool.orders[0].order_id), metadata=md)
            f = api.GetFinancing(pb.GetFinancingRequest(merchant_id=merchant, financing_id=fid), metadata=md)
            print('  CompleteOrder %s: repayment %d; outstanding %d, pool %d (%d orders), %s' % (
                o.order_id, o.repayment.minor_units, f.outstanding.minor_units, f.pool_total.minor_units,
                f.pool_order_count, FS.Name(f.state)))
        check(f.state == pb.FINANCING_STATE_REPAID, 'the financing is REPAID')
        check((f.repaid.minor_units, f.outstanding.minor_units) == (40800, 0), 'repaid 40800, outstanding 0')

        closed = gw.wait_for('ReceiveFinancingClosed', fid)
        check(closed.state == pb.FINANCING_STATE_REPAID, 'the lender gateway got ReceiveFinancingClosed (REPAID)')
        with gw.cond:
            repaid = sum(r.amount.minor_units for m, r in gw.by_key.values() if m == 'ReceiveRepayment' and r.financing_id == fid)
        check(repaid == 40800, 'repayments received by the lender (deduplicated by idempotency_key) add up to 40800')

        m = api.GetMerchant(pb.GetMerchantRequest(merchant_id=merchant), metadata=md)
        check(m.state == pb.MERCHANT_STATE_IDLE, 'the merchant is IDLE again (last_sequence %d)' % m.last_sequence)
        with watch_cond:
            watch_cond.wait_for(lambda: watch_error or (events and events[-1].sequence >= m.last_sequence), 15)
        if watch_error:
            raise CheckFailed('WatchMerchant failed: %s' % watch_error[0])
        seqs = [e.sequence for e in events]
        print('  watched %d events: %s' % (len(events), ', '.join(
            '%d %s' % (e.sequence, pb.MerchantEventType.Name(e.type).replace('MERCHANT_EVENT_TYPE_', '')) for e in events)))
        check(seqs == list(range(1, m.last_sequence + 1)), 'watched sequences are 1..%d without a gap or a duplicate' % m.last_sequence)
        print('PASSED: a whole financing from Python')
        return 0
    finally:
        if watch is not None:
            watch.cancel()
        channel.close()
        gw_server.stop(0)


if __name__ == '__main__':
    sys.exit(main())
