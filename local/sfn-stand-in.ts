/**
 * The Step Functions API calls an operator's tools make against a deployed stack (DescribeExecution, StopExecution),
 * answered from the embedded stack's executions over HTTP in the AWS JSON 1.0 protocol, so that `clearance status
 * --aws` and `clearance run --aws` run unchanged against the embedded stack (AWS_ENDPOINT_URL_SFN).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionRecord } from './asl-runner';

/** An execution as the stand-in answers for it (the runner's record; any status text). */
export type StandInExecution = Omit<ExecutionRecord, 'status'> & { readonly status: string };

export interface StepFunctionsBackend {
  describe(executionArn: string): StandInExecution | undefined;
  stop(executionArn: string): void;
}

export interface StepFunctionsStandIn {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Epoch seconds, as the JSON protocol sends timestamps. */
const seconds = (iso: string) => Date.parse(iso) / 1000;

export async function startStepFunctionsStandIn(backend: StepFunctionsBackend): Promise<StepFunctionsStandIn> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(body));
      };
      const fail = (type: string, message: string) => reply(400, { __type: `com.amazonaws.sfn#${type}`, message });
      const target = String(request.headers['x-amz-target'] ?? '');
      let body: { executionArn?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { executionArn?: unknown };
      } catch {
        return fail('SerializationException', 'the request body is not JSON');
      }
      const arn = typeof body.executionArn === 'string' ? body.executionArn : '';
      const execution = backend.describe(arn);
      switch (target) {
        case 'AWSStepFunctions.DescribeExecution':
          if (!execution) return fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
          return reply(200, {
            executionArn: execution.executionArn,
            stateMachineArn: execution.stateMachineArn,
            name: execution.name,
            status: execution.status,
            startDate: seconds(execution.startDate),
            ...(execution.stopDate ? { stopDate: seconds(execution.stopDate) } : {}),
            input: JSON.stringify(execution.input ?? null),
            ...(execution.status === 'SUCCEEDED' ? { output: JSON.stringify(execution.output ?? null) } : {}),
            ...(execution.error ? { error: execution.error } : {}),
            ...(execution.cause ? { cause: execution.cause } : {}),
          });
        case 'AWSStepFunctions.StopExecution':
          if (!execution) return fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
          backend.stop(arn);
          return reply(200, { stopDate: Date.now() / 1000 });
        default:
          return fail('UnknownOperationException', `${target || 'this operation'} is not served by the local Step Functions stand-in`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
