// The hub request engine: resolves an instance's element hub, matches the request to an operation and
// runs it with the provider client bound to that instance. HTTP routes and the poller both call
// `execute`, so a resource behaves the same over HTTP and in process. Every provider call of an
// element goes through its one provider client, identifying a new grant's account included.

import { AppError, NotFound } from '../errors/index.ts';
import type { InstanceRow } from '../store/index.ts';
import type { HubMethod, HubRequest, HubResponse } from './hubContract.ts';
import type { ElementHub, HubElements, HubOperation } from './hubOperation.ts';
import { ProviderClient, type AccessTokenSource, type ProviderCallHook, type ProviderClientOptions, type RetryEvent } from './providerClient.ts';
import { ProviderSession } from './providerSession.ts';
import { QueryParameters } from './queryParameters.ts';
import { compilePattern, matchPattern, pathSegments, type CompiledPattern } from './routeMatcher.ts';
import { splitHubUrl } from './hubUrl.ts';

export { CursorExpired, HUB_HEADERS, SnapshotTooLarge, type HubMethod, type HubQuery, type HubRequest, type HubResponse } from './hubContract.ts';

export class MethodNotAllowed extends AppError {
  readonly statusCode = 405;
}

export interface HubServiceOptions {
  /** Provider calls: timeout per attempt (default 15 s), retries, per-account concurrency, connections. */
  provider?: ProviderClientOptions;
}

export interface HubServiceDeps {
  /** The elements served, with their hubs (the element registry). */
  elements: HubElements;
  /** Access tokens of instances (ProviderTokenManager). */
  tokens: AccessTokenSource;
  logger?: { warn(object: object, message: string): void };
  /** Told about every provider request and batch part, with the quota it was charged (metrics). */
  onProviderCall?: ProviderCallHook;
  options?: HubServiceOptions;
}

interface CompiledOperation {
  operation: HubOperation;
  pattern: CompiledPattern;
  literalSegments: number;
}

const METHODS: readonly HubMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export class HubService {
  private readonly client: ProviderClient;
  private readonly hubs: Map<string, { hub: ElementHub; operations: CompiledOperation[] }>;
  /** Grants identified so far: each gets a concurrency key of its own (its account is not known yet). */
  private grantsIdentified = 0;

  constructor(private readonly deps: HubServiceDeps) {
    const logger = deps.logger;
    this.client = new ProviderClient(deps.tokens, {
      ...(logger ? { onRetry: (event: RetryEvent) => logger.warn({ ...event }, 'provider call failed; retrying') } : {}),
      ...(deps.onProviderCall ? { onProviderCall: deps.onProviderCall } : {}),
      ...deps.options?.provider,
    });
    this.hubs = new Map(
      deps.elements.list().filter((hub) => hub.operations.length > 0).map((hub) => [
        hub.key,
        {
          hub,
          operations: hub.operations.map((operation) => {
            const pattern = compilePattern(operation.path);
            return { operation, pattern, literalSegments: pattern.segments.filter((segment) => 'literal' in segment).length };
          }),
        },
      ]),
    );
  }

  /**
   * Every route of every element hub for route registration: one entry per hub, method and path, with
   * the operations of each element that serves it (elements may share a path, each with its own shapes).
   */
  operations(): { hub: string; operations: HubOperation[] }[] {
    const routes = new Map<string, { hub: string; operations: HubOperation[] }>();
    for (const { hub, operations } of this.hubs.values()) {
      for (const { operation } of operations) {
        const key = `${hub.hub} ${operation.method} ${operation.path}`;
        const route = routes.get(key) ?? { hub: hub.hub, operations: [] };
        route.operations.push(operation);
        routes.set(key, route);
      }
    }
    return [...routes.values()];
  }

  async execute(instance: InstanceRow, request: HubRequest): Promise<HubResponse> {
    const element = this.deps.elements.get(instance.element_key);
    const entry = this.hubs.get(element.key);
    if (!entry) throw new NotFound(`The ${element.name} element has no hub`);
    const method = request.method.toUpperCase() as HubMethod;
    if (!METHODS.includes(method)) throw new MethodNotAllowed(`Method ${request.method} is not supported by hubs`);
    const { path, query } = splitHubUrl(request.path, request.query ?? {});

    const segments = pathSegments(path);
    const candidates = entry.operations
      .map((compiled) => ({ compiled, params: matchPattern(compiled.pattern, segments) }))
      .filter((match): match is { compiled: CompiledOperation; params: Record<string, string> } => match.params !== undefined);
    if (candidates.length === 0) throw new NotFound(`No resource ${path} in the ${element.name} ${entry.hub.hub} hub`);
    // A literal segment beats a parameter: POST /messages/batch-modify is not POST /messages/{id}.
    const allowed = candidates.filter((candidate) => candidate.compiled.operation.method === method).sort((a, b) => b.compiled.literalSegments - a.compiled.literalSegments);
    const chosen = allowed[0];
    if (!chosen) {
      const methods = [...new Set(candidates.map((candidate) => candidate.compiled.operation.method))].join(', ');
      throw new MethodNotAllowed(`${method} is not supported on ${path}; use ${methods}`);
    }

    const provider = this.session(element, {
      instanceId: instance.id,
      // Instances of the same provider account share its per-user limits, so they share our limit too.
      concurrencyKey: `${element.key}:${instance.provider_account ?? `instance-${instance.id}`}`,
    });
    return chosen.compiled.operation.handle({
      request: { ...request, method, path, query },
      params: chosen.params,
      query: new QueryParameters(query, { providerName: element.name }),
      provider,
      instance,
    });
  }

  /**
   * The provider account behind a fresh grant, before an instance holds it: asked of the provider with
   * the grant's access token through the same client as every other call (retries, limits, metrics).
   * Undefined when the element cannot tell or the provider does not answer.
   */
  async identifyAccount(elementKey: string, accessToken: string): Promise<string | undefined> {
    const element = this.deps.elements.get(elementKey);
    if (!element.identifyAccount) return undefined;
    this.grantsIdentified += 1;
    const provider = this.session(element, { accessToken, concurrencyKey: `${element.key}:grant-${this.grantsIdentified}` });
    try {
      return await element.identifyAccount(provider);
    } catch {
      return undefined;
    }
  }

  private session(element: ElementHub, account: ({ instanceId: number } | { accessToken: string }) & { concurrencyKey: string }): ProviderSession {
    return new ProviderSession(this.client, { ...account, providerName: element.name, readError: element.readProviderError }, this.deps.elements.apiBaseUrl(element));
  }

  /** Closes the provider connections. */
  async close(): Promise<void> {
    await this.client.close();
  }
}
