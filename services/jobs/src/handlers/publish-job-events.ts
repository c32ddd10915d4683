export const handler = async (event: unknown) => {
  console.log(JSON.stringify(event));
  return { batchItemFailures: [] };
};
