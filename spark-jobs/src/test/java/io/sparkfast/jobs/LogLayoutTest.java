package io.sparkfast.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Properties;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/** The shipped console layout (conf/log4j2.properties) keeps the CLI's error on a line of its own. */
class LogLayoutTest {

  @Test
  void aLoggedExceptionEndsWithANewlineSoTheErrorLineAfterItStartsALine() throws Exception {
    // Spark logs warnings with an exception (e.g. FileStreamSink on a missing path) right before the CLI prints
    // "sparkfast <job>: error: ..."; without a trailing newline that error was glued to the trace's last frame
    Properties p = new Properties();
    try (InputStream in = LogLayoutTest.class.getResourceAsStream("/log4j2.properties")) {
      p.load(in);
    }
    PatternLayout layout = PatternLayout.newBuilder()
        .withPattern(p.getProperty("appender.console.layout.pattern"))
        .withAlwaysWriteExceptions(!"false".equals(p.getProperty("appender.console.layout.alwaysWriteExceptions")))
        .build();
    String withThrown = layout.toSerializable(event(new java.io.FileNotFoundException("File /x does not exist")));
    assertTrue(withThrown.endsWith(System.lineSeparator()), "[" + withThrown + "]");
    assertTrue(withThrown.contains("FileNotFoundException: File /x does not exist"), withThrown);
    assertTrue(withThrown.lines().count() <= 3, "a short trace, not the whole stack: " + withThrown);
    String plain = layout.toSerializable(event(null));
    assertTrue(plain.endsWith("msg" + System.lineSeparator()), "no blank line after a plain message: [" + plain + "]");
  }

  private static Log4jLogEvent event(Throwable thrown) {
    return Log4jLogEvent.newBuilder().setLoggerName("org.example.Sink").setLevel(Level.WARN)
        .setMessage(new SimpleMessage("msg")).setThrown(thrown).build();
  }
}
