import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';

export const JOB_HANDLER_TOPIC = 'mandate:job-handler-topic';

/**
 * Marks an injectable class implementing JobHandler as THE handler of a topic. Providers carrying it are
 * discovered at boot by JobHandlerRegistry, in the server (in-process mode) and in the worker alike.
 */
export function JobHandlerFor(topic: string): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(JOB_HANDLER_TOPIC, topic));
}
