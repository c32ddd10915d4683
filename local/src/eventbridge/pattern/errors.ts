/**
 * The pattern is not one EventBridge accepts; named like the AWS error so the emulator can answer with it as is.
 *
 * @example
 * try {
 *   compileEventPattern('{"source": "aws.ec2"}');
 * } catch (error) {
 *   if (error instanceof InvalidEventPatternError) console.log(error.name); // InvalidEventPatternException
 * }
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternException';
}
