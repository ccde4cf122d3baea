import { listPoolUsers } from "../cognito/pool.js";
import { type Config, required } from "../config.js";
import type { ImportLedger } from "../ledger/index.js";
import { TokenBucket } from "../rate.js";
import type { Services } from "../services.js";

export function poolIdOf(config: Config): string {
  return required(
    config.cognito.userPoolId,
    "cognito.userPoolId",
    "set it in the config file, COGNITO_USER_POOL_ID or --pool-id",
  );
}

/** Lists the pool into the ledger; returns how many users it holds. */
export async function listPoolIntoLedger(
  services: Pick<Services, "clock" | "cognito">,
  context: { readonly config: Config },
  ledger: ImportLedger,
): Promise<number> {
  const poolId = poolIdOf(context.config);
  const bucket = new TokenBucket(context.config.import.listRate, { burst: 1, clock: services.clock });
  const writer = ledger.poolWriter(poolId);
  for await (const page of listPoolUsers(services.cognito(context.config), poolId, bucket)) writer.add(page);
  return writer.finish();
}
